package io.factoryfl.core.job;

import java.util.Locale;

/**
 * How a job defends its global model against poisoned updates ({@code robust_aggregation} in the
 * spec; every field optional):
 *
 * <pre>{@code
 * "robust_aggregation": {
 *   "rule": "median",       // fedavg (default) | median | trimmed_mean | multi_krum
 *   "clip_norm": 5.0,       // L2 bound on each update's delta from the base model; absent = none
 *   "byzantine": 1,         // f, the malicious sites per round the rule must tolerate (default 1)
 *   "trim_fraction": 0.2,   // trimmed_mean only: share cut from each end per coordinate
 *   "krum_select": 3        // multi_krum only: updates averaged (default n - f; 1 = Krum)
 * }
 * }</pre>
 *
 * {@code clip_norm} composes with every rule and holds in secure rounds too (each site clips before
 * masking and the coordinator clips the unmasked mean). The other rules need the individual
 * updates, which secure aggregation hides, so they require {@code secure_aggregation.enabled:
 * false}. See docs/robust-aggregation.md for what each bounds and what it does not.
 *
 * @param rule how the round's updates are combined
 * @param clipNorm L2 bound on every update's delta, or 0 for none
 * @param byzantine f: malicious sites per round the rule tolerates (0 for fedavg)
 * @param trimFraction share trimmed from each end per coordinate (0 unless trimmed_mean)
 * @param krumSelect how many best-scored updates multi-Krum averages, or null for n - f
 */
public record RobustAggregationSpec(
    Rule rule, double clipNorm, int byzantine, double trimFraction, Integer krumSelect) {

  /** The combining rules; {@link #key()} is the spec's spelling. */
  public enum Rule {
    FEDAVG, MEDIAN, TRIMMED_MEAN, MULTI_KRUM;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the rule must see (and hold) every update of a round individually. */
    public boolean holdsUpdates() {
      return this != FEDAVG;
    }
  }

  public RobustAggregationSpec {
    if (rule == null) {
      throw new IllegalArgumentException("rule must be given");
    }
    if (!(Double.isFinite(clipNorm) && clipNorm >= 0)) {
      throw new IllegalArgumentException("clipNorm must be finite and >= 0 (0 = none), was " + clipNorm);
    }
    if (byzantine < 0) {
      throw new IllegalArgumentException("byzantine must be >= 0, was " + byzantine);
    }
    if (rule == Rule.TRIMMED_MEAN ? !(trimFraction > 0 && trimFraction < 0.5) : trimFraction != 0) {
      throw new IllegalArgumentException("trimFraction must be in (0, 0.5) for trimmed_mean and 0"
          + " otherwise, was " + trimFraction + " for " + rule.key());
    }
    if (krumSelect != null && (rule != Rule.MULTI_KRUM || krumSelect < 1)) {
      throw new IllegalArgumentException("krumSelect is for multi_krum only and at least 1, was "
          + krumSelect + " for " + rule.key());
    }
  }

  /** Plain FedAvg, no clipping: what a spec without {@code robust_aggregation} gets. */
  public static RobustAggregationSpec none() {
    return new RobustAggregationSpec(Rule.FEDAVG, 0, 0, 0, null);
  }

  /** Whether updates are clipped in L2 ({@code clip_norm} was given). */
  public boolean clips() {
    return clipNorm > 0;
  }

  /**
   * Updates trimmed from each end of a coordinate's n values (trimmed_mean): floor(trim_fraction *
   * n), with a hair of tolerance so that 0.29 * 100 counts as 29, not 28.999....
   */
  public int trimCount(int n) {
    return (int) Math.floor(trimFraction * n + 1e-9);
  }
}
