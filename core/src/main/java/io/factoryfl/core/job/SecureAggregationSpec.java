package io.factoryfl.core.job;

/**
 * The secure-aggregation settings of a job ({@code secure_aggregation} in the spec). With secure
 * aggregation on (the default) the coordinator learns only the sum of each round's updates.
 *
 * @param enabled whether rounds run the SecAgg+ protocol
 * @param neighbours degree k of the neighbour graph, or null for the default for the cohort size
 *     (k = n - 1 is classic SecAgg)
 * @param threshold shares needed to reconstruct a secret, or null for the default
 * @param clip update coordinates (model deltas) are clipped to [-clip, clip] before encoding
 * @param bits fixed-point bits per encoded value; {@code bits + ceil(log2(max participants + 1))}
 *     must not exceed 32 so the sum of a cohort cannot wrap
 * @param maxExamples the example count W a site is weighted with at most (sites with more count
 *     as W); quantisation resolution is finest for sites near W, so set it near the largest site
 */
public record SecureAggregationSpec(
    boolean enabled, Integer neighbours, Integer threshold, double clip, int bits, long maxExamples) {

  /** Default cap on a site's FedAvg weight under secure aggregation. */
  public static final long DEFAULT_MAX_EXAMPLES = 100_000;

  /** Default clip for model deltas: far above what one round of local training moves a weight. */
  public static final double DEFAULT_CLIP = 4.0;
  /** Upper bound on the default bits; more buys no useful precision for float32 models. */
  public static final int MAX_DEFAULT_BITS = 24;

  public static SecureAggregationSpec disabled() {
    return new SecureAggregationSpec(false, null, null, DEFAULT_CLIP, MAX_DEFAULT_BITS,
        DEFAULT_MAX_EXAMPLES);
  }

  /** Bits of headroom the sum of up to {@code participants} values needs. */
  public static int headroomBits(int participants) {
    return 32 - Integer.numberOfLeadingZeros(participants);
  }

  /** The largest encoding width that cannot wrap with this many participants, capped at 24. */
  public static int defaultBits(int maxParticipants) {
    return Math.min(MAX_DEFAULT_BITS, 32 - headroomBits(maxParticipants));
  }
}
