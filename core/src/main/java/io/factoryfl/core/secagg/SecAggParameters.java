package io.factoryfl.core.secagg;

/**
 * The per-job settings of a SecAgg+ round: the neighbourhood size {@code k}, the Shamir threshold
 * {@code t}, the clipping bound and the fixed-point width. All of them enter the session id, so both
 * sides must use the same values.
 *
 * <h2>What is refused outright</h2>
 * k below 2, t below 2, and any t at or below k/2: with {@code 2t <= k} the honest neighbours of
 * one participant can be split into two groups of t that reveal its self-mask seed and its masking
 * key respectively, which unmasks it with no colluder at all; with t = 1 a share is the secret.
 *
 * <h2>Defaults ({@link #defaults(int)}) and why</h2>
 * <ul>
 *   <li><b>k and t</b> come from {@link ThreatModel#DEFAULT} (10% colluding sites, 30% dropout):
 *       t is the smallest value with {@code 2t - k - 1 >= min(floor(0.1 n), k)}, so a participant
 *       stays private against a coordinator that splits survivor lists with every colluder of the
 *       cohort among its neighbours, whatever the graph; k is the smallest degree at which a round
 *       survives 30% dropout with an abort bound of 1%, else n - 1 (classic SecAgg). Cost is linear
 *       in k: a participant does k mask expansions, 2k key agreements, k share encryptions and about
 *       2k signature checks; the coordinator's dropout recovery is about (dropped x k) mask
 *       expansions. See {@link ThreatModel} and docs/secure-aggregation.md for the table.
 *   <li><b>bits = min(24, 32 - ceil(log2(n + 1)))</b>: as many bits per value as the 32-bit sum of the
 *       whole cohort can hold without wrapping, but no more than a float's 24-bit significand can
 *       use.
 *   <li><b>clip = 4.0</b> per coordinate of the update (as {@code SecureAggregationSpec}); set it
 *       from the job's expected update size.
 * </ul>
 *
 * <p>Every round sums at least {@code t + 1} inputs: each survivor needs {@code t} surviving
 * neighbours, so the coordinator never learns an individual update from a sum.
 */
public record SecAggParameters(int neighbours, int threshold, double clip, int bits) {
  /** Default per-coordinate clipping bound. */
  public static final double DEFAULT_CLIP = 4.0;
  /** Widest fixed-point value: a float's significand. */
  public static final int MAX_DEFAULT_BITS = 24;

  /**
   * Validates what does not depend on the cohort; {@link #of} and the protocol classes also check
   * the cohort size.
   */
  public SecAggParameters {
    if (neighbours < 2) {
      throw new IllegalArgumentException("neighbours must be at least 2, got " + neighbours
          + " (with one neighbour a participant's shares all go to a single peer)");
    }
    int minThreshold = structuralMinThreshold(neighbours);
    if (threshold < minThreshold || threshold > neighbours) {
      throw new IllegalArgumentException("threshold " + threshold + " must be from " + minThreshold
          + " (at least 2 and more than half of the " + neighbours + " neighbours, so that no one"
          + " peer's two secrets can both be collected) to " + neighbours);
    }
    if (!(clip > 0) || !Double.isFinite(clip)) {
      throw new IllegalArgumentException("clip must be a positive finite number, got " + clip);
    }
    if (bits < 2 || bits > 31) {
      throw new IllegalArgumentException("bits must be from 2 to 31, got " + bits);
    }
  }

  /** The documented defaults for a cohort of {@code cohortSize} participants (see class javadoc). */
  public static SecAggParameters defaults(int cohortSize) {
    return of(cohortSize, null, null, DEFAULT_CLIP, defaultBits(cohortSize));
  }

  /**
   * Parameters for a cohort of {@code cohortSize}, with the {@link ThreatModel#DEFAULT} k where
   * {@code neighbours} is null and its minimum threshold for that k where {@code threshold} is null.
   *
   * @throws IllegalArgumentException naming the value and the rule it breaks
   */
  public static SecAggParameters of(
      int cohortSize, Integer neighbours, Integer threshold, double clip, int bits) {
    requireCohortSize(cohortSize);
    int k = neighbours == null ? defaultNeighbours(cohortSize) : neighbours;
    int t = threshold == null ? defaultThreshold(cohortSize, k) : threshold;
    SecAggParameters parameters = new SecAggParameters(k, t, clip, bits);
    parameters.requireCohort(cohortSize);
    return parameters;
  }

  /** The {@link ThreatModel#DEFAULT} k for a cohort of n. */
  public static int defaultNeighbours(int cohortSize) {
    requireCohortSize(cohortSize);
    return ThreatModel.DEFAULT.neighbours(cohortSize);
  }

  /**
   * The {@link ThreatModel#DEFAULT} minimum threshold at k, or k itself if the default model asks
   * for more than k (a k too small for the assumed colluders: the site policy will say so).
   */
  static int defaultThreshold(int cohortSize, int neighbours) {
    return Math.max(structuralMinThreshold(neighbours),
        Math.min(neighbours, ThreatModel.DEFAULT.minThreshold(cohortSize, neighbours)));
  }

  /** {@code max(2, floor(k/2) + 1)}: the least threshold that keeps two secrets apart at all. */
  public static int structuralMinThreshold(int neighbours) {
    return Math.max(2, neighbours / 2 + 1);
  }

  /** Colluding neighbours a participant tolerates: {@code 2t - k - 1} (see {@link ThreatModel}). */
  public int toleratedColluders() {
    return ThreatModel.toleratedColluders(neighbours, threshold);
  }

  /** {@code min(24, 32 - ceil(log2(n + 1)))}. */
  public static int defaultBits(int cohortSize) {
    if (cohortSize < 1) {
      throw new IllegalArgumentException("a cohort has at least 1 participant, got " + cohortSize);
    }
    return Math.min(MAX_DEFAULT_BITS, 32 - headroomBits(cohortSize));
  }

  /** The largest magnitude a participant's fixed-point value takes: {@code 2^(bits-1) - 1}. */
  public int levels() {
    return (1 << (bits - 1)) - 1;
  }

  /**
   * Checks these parameters against a cohort: k below n, a k-regular graph exists, and the sum of n
   * values of {@code bits} bits cannot wrap modulo 2^32.
   *
   * @throws IllegalArgumentException naming the values that conflict
   */
  public void requireCohort(int cohortSize) {
    requireCohortSize(cohortSize);
    if (neighbours > cohortSize - 1) {
      throw new IllegalArgumentException("neighbours " + neighbours + " must be below the cohort size "
          + cohortSize + " (at most " + (cohortSize - 1) + ", which is classic SecAgg)");
    }
    if (neighbours % 2 == 1 && cohortSize % 2 == 1) {
      throw new IllegalArgumentException("no " + neighbours + "-regular graph exists on an odd cohort of "
          + cohortSize + "; choose an even number of neighbours");
    }
    int headroom = headroomBits(cohortSize);
    if (bits + headroom > 32) {
      throw new IllegalArgumentException("bits " + bits + " plus ceil(log2(cohort " + cohortSize + " + 1)) = "
          + headroom + " exceeds 32, so the sum could wrap; use at most " + (32 - headroom) + " bits");
    }
  }

  /** {@code ceil(log2(n + 1))}: the bits the sum of n values needs beyond one value. */
  static int headroomBits(int cohortSize) {
    return 32 - Integer.numberOfLeadingZeros(cohortSize);
  }

  private static void requireCohortSize(int cohortSize) {
    if (cohortSize < 3) {
      throw new IllegalArgumentException("a secure-aggregation cohort needs at least 3 participants"
          + " (each needs at least 2 neighbours), got " + cohortSize);
    }
  }
}
