package io.factoryfl.participant.policy;

import io.factoryfl.core.secagg.ThreatModel;
import java.util.Objects;

/**
 * The {@code secure_aggregation} block of a site policy: whether plain FedAvg is refused, and the
 * weakest secure-aggregation setup this site takes part in. The minimum neighbours k and threshold
 * t follow from the threat model the site states ({@code max_corruption}, {@code max_dropout}; see
 * {@link ThreatModel}), per cohort size:
 *
 * <ul>
 *   <li>minimum t at the proposed k: {@code max(2, floor((k + min(C, k)) / 2) + 1)} with {@code C =
 *       floor(max_corruption * n)}, so that a coordinator splitting survivor lists cannot collect
 *       both of this site's secrets even with all C colluders among its neighbours;
 *   <li>minimum k: the smallest degree at which the round survives {@code max_dropout} with an abort
 *       bound of 1% ({@link ThreatModel#neighbours}; n - 1 where none does).
 * </ul>
 *
 * {@code min_neighbours} and {@code min_threshold} raise these floors; they never lower them.
 *
 * @param minNeighbours an explicit floor on k, 0 for none
 * @param minThreshold an explicit floor on t, 0 for none
 */
public record SecureAggregationRules(boolean required, int minCohort, ThreatModel threatModel,
    int minNeighbours, int minThreshold) {

  public static final int DEFAULT_MIN_COHORT = 3;

  public SecureAggregationRules {
    Objects.requireNonNull(threatModel, "threatModel");
    if (minCohort < 1) {
      throw new IllegalArgumentException("minCohort must be at least 1, was " + minCohort);
    }
    if (minNeighbours < 0 || minThreshold < 0) {
      throw new IllegalArgumentException("minNeighbours and minThreshold must not be negative, were "
          + minNeighbours + " and " + minThreshold);
    }
  }

  /** Secure aggregation required, cohorts of at least 3, {@link ThreatModel#DEFAULT}. */
  public static SecureAggregationRules defaults() {
    return new SecureAggregationRules(true, DEFAULT_MIN_COHORT, ThreatModel.DEFAULT, 0, 0);
  }

  /** The smallest k this site accepts in a cohort of n (at least 3). */
  public int requiredNeighbours(int cohortSize) {
    return Math.max(minNeighbours, threatModel.neighbours(cohortSize));
  }

  /** The smallest t this site accepts with k neighbours in a cohort of n. */
  public int requiredThreshold(int cohortSize, int neighbours) {
    return Math.max(minThreshold, threatModel.minThreshold(cohortSize, neighbours));
  }

  /**
   * Why this site refuses a setup of cohort n with k neighbours and threshold t, or null if it takes
   * part. Messages name the proposed value, the minimum and the policy field behind it.
   */
  String refusal(int cohortSize, int neighbours, int threshold) {
    if (cohortSize < minCohort) {
      return "secure-aggregation cohort of " + cohortSize + " sites is below this site's minimum of "
          + minCohort + " (secure_aggregation.min_cohort)";
    }
    if (cohortSize < 3) {
      return "secure-aggregation cohort of " + cohortSize + " sites is too small: every site needs at least"
          + " 2 neighbours";
    }
    int k = requiredNeighbours(cohortSize);
    if (neighbours < k) {
      return "secure-aggregation setup with k = " + neighbours + " neighbours in a cohort of " + cohortSize
          + " is below this site's minimum of " + k + " (" + (k == minNeighbours
              ? "secure_aggregation.min_neighbours" : "derived from secure_aggregation.max_dropout "
              + threatModel.maxDropout() + " and max_corruption " + threatModel.maxCorruption()) + ")";
    }
    int t = requiredThreshold(cohortSize, neighbours);
    if (threshold < t) {
      int colluders = Math.min(threatModel.colluders(cohortSize), neighbours);
      return "secure-aggregation setup with threshold t = " + threshold + " and k = " + neighbours
          + " in a cohort of " + cohortSize + " is below this site's minimum of " + t + " (" + (t == minThreshold
              && t > threatModel.minThreshold(cohortSize, neighbours) ? "secure_aggregation.min_threshold"
              : "t = " + threshold + " keeps a site's two secrets apart against only "
              + Math.max(0, 2 * threshold - neighbours - 1) + " colluding neighbours; this site assumes up to "
              + colluders + " (secure_aggregation.max_corruption " + threatModel.maxCorruption() + ")") + ")";
    }
    return null;
  }
}
