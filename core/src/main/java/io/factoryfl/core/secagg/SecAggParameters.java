package io.factoryfl.core.secagg;

/**
 * The per-job settings of a SecAgg+ round: the neighbourhood size {@code k}, the Shamir threshold
 * {@code t}, the clipping bound and the fixed-point width. All of them enter the session id, so both
 * sides must use the same values.
 *
 * <h2>Defaults ({@link #defaults(int)}) and why</h2>
 * <ul>
 *   <li><b>k = min(n-1, 2 * ceil(3 * log2 n))</b>, the smallest even number at or above {@code 6 log2
 *       n}. SecAgg+ (Bell et al., CCS 2020) shows that a random k-regular graph with {@code k =
 *       O(log n)} keeps both correctness and privacy; the constant is set by the dropout a round must
 *       survive. With the majority threshold below, a round aborts when some participant keeps fewer
 *       than {@code t} of its {@code k} neighbours. Simulating that condition on the shuffled Harary
 *       graph with a uniformly random dropout set (cumulative over all stages): at 20% dropout no
 *       round in 3,000 aborted for n = 100 (k = 40), 500 (k = 54) or 1000 (k = 60); at 25%, 0-0.3%
 *       aborted; at 30%, 1.4%, 7.4% and 8.5%. (The binomial union bound {@code n P[Bin(k, 1-d) < t]}
 *       is far more pessimistic because neighbourhoods on the ring overlap.) A job expecting 30%
 *       dropout or more should raise k. Cost is linear in k: a participant does k mask expansions,
 *       2k key agreements, k share encryptions and about 2k signature checks; the coordinator's
 *       dropout recovery is about (dropped x k) mask expansions. k is even so that the Harary graph
 *       exists for every n; small cohorts (n &lt;= 31) get {@code n - 1}, which is classic SecAgg
 *       (Bonawitz et al., CCS 2017).
 *   <li><b>t = floor(k/2) + 1</b>, a strict majority of the neighbours. It is the smallest threshold
 *       at which the participants' "self-mask share or key share, never both" rule protects a peer
 *       against a coordinator that lies about who dropped: each honest neighbour reveals one kind, so
 *       {@code t} shares of both kinds need {@code 2t > k} answers. Against a coordinator that also
 *       controls {@code c} of a peer's neighbours, privacy needs {@code 2t - k > c}; a job that
 *       assumes colluding sites should raise t to {@code ceil((k + c + 1) / 2)}, at the price of less
 *       dropout tolerance. Lower thresholds than the majority are refused.
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
    if (neighbours < 1) {
      throw new IllegalArgumentException("neighbours must be at least 1, got " + neighbours);
    }
    int minThreshold = neighbours / 2 + 1;
    if (threshold < minThreshold || threshold > neighbours) {
      throw new IllegalArgumentException("threshold " + threshold + " must be from " + minThreshold
          + " (more than half of the " + neighbours + " neighbours, so that no one peer's two secrets"
          + " can be collected) to " + neighbours);
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
   * Parameters for a cohort of {@code cohortSize}, with the default k or t where {@code null}.
   *
   * @throws IllegalArgumentException naming the value and the rule it breaks
   */
  public static SecAggParameters of(
      int cohortSize, Integer neighbours, Integer threshold, double clip, int bits) {
    requireCohortSize(cohortSize);
    int k = neighbours == null ? defaultNeighbours(cohortSize) : neighbours;
    int t = threshold == null ? k / 2 + 1 : threshold;
    SecAggParameters parameters = new SecAggParameters(k, t, clip, bits);
    parameters.requireCohort(cohortSize);
    return parameters;
  }

  /** {@code min(n - 1, 2 * ceil(3 * log2 n))}. */
  public static int defaultNeighbours(int cohortSize) {
    requireCohortSize(cohortSize);
    return (int) Math.min(cohortSize - 1, 2L * ceilLog2Cube(cohortSize));
  }

  /** {@code min(24, 32 - ceil(log2(n + 1)))}. */
  public static int defaultBits(int cohortSize) {
    requireCohortSize(cohortSize);
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
    if (cohortSize < 2) {
      throw new IllegalArgumentException(
          "a secure-aggregation cohort needs at least 2 participants, got " + cohortSize);
    }
  }

  /** {@code ceil(3 log2 n) = ceil(log2(n^3))}, exact where n^3 fits in a long. */
  private static long ceilLog2Cube(int n) {
    if (n < (1 << 21)) {
      long cube = (long) n * n * n;
      return 64 - Long.numberOfLeadingZeros(cube - 1);
    }
    return (long) Math.ceil(3 * Math.log(n) / Math.log(2));
  }
}
