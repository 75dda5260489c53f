package io.factoryfl.core.secagg;

import io.factoryfl.core.data.FeatureStats;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Objects;

/**
 * The layout of a site's masked input in the round-0 session that sums the sites' feature
 * statistics, so that no site's row count, sums or sums of squares reach the coordinator in the
 * clear. The sum is exact: every statistic is a signed fixed-point integer with {@link
 * #FRACTION_BITS} fraction bits, {@link #TOTAL_BITS} bits in two's complement, split into {@link
 * #LIMBS} limbs of {@link #LIMB_BITS} bits, one 32-bit word each. With at most {@link #MAX_COHORT}
 * sites a limb's sum stays below 2^32, so the masked sum (mod 2^32) of each limb is its exact
 * integer sum, and the coordinator recombines the limbs mod 2^TOTAL_BITS after unmasking.
 *
 * <pre>
 * words = [ sum(f0) limbs .. sum(fk) limbs, squares(f0) limbs .. squares(fk) limbs,
 *           present(f0) limbs .. present(fk) limbs, count ]
 * limb j of a value V = (V mod 2^120) >> (20 j) &amp; 0xFFFFF      (least significant first)
 * </pre>
 *
 * A site's statistics are first weighed as at most W rows ({@link FeatureStats#capped}, the job's
 * max_examples_per_site), as in FedAvg, so the count word is from 1 to W. A site's value must be
 * below {@link #MAX_VALUE} in magnitude, so that the sum of a full cohort cannot reach 2^119;
 * larger data is refused with a message that names the column, not silently wrapped.
 *
 * <p>What the coordinator can check ({@link #decode}): the count is a total of m counts from 1 to
 * W, every limb sum is one m limbs can make, and every recombined value is within m times the
 * site bound. What it cannot: one site can still send any statistics inside those bounds (shifting
 * the federation's normalisation), as it can in the clear; the sum hides which one did.
 *
 * @param numFeatures the number of numeric features of the job
 */
public record StatisticsLayout(int numFeatures) {
  /** Bits per limb: one 32-bit word carries one limb of one site. */
  public static final int LIMB_BITS = 20;
  /** Limbs per value. */
  public static final int LIMBS = 6;
  /** Bits of a value in two's complement: {@code LIMB_BITS * LIMBS}. */
  public static final int TOTAL_BITS = LIMB_BITS * LIMBS;
  /** Fraction bits: a statistic is carried with a resolution of 2^-24. */
  public static final int FRACTION_BITS = 24;
  /** The largest cohort whose limb sums cannot wrap: 4096 limbs of at most 2^20 - 1 stay below 2^32. */
  public static final int MAX_COHORT = 1 << (Integer.SIZE - LIMB_BITS);
  /**
   * The largest magnitude of one site's statistic, 2^83 (about 9.7e24): a full cohort's sum then
   * stays below 2^(TOTAL_BITS - 1) in fixed point and never wraps.
   */
  public static final double MAX_VALUE = 0x1p83;
  /** What a statistics session is about, in place of a model hash: one per job. */
  static final String SUBJECT = "feature-statistics/";

  private static final long LIMB_MASK = (1L << LIMB_BITS) - 1;
  private static final BigInteger MODULUS = BigInteger.ONE.shiftLeft(TOTAL_BITS);
  private static final BigInteger HALF = BigInteger.ONE.shiftLeft(TOTAL_BITS - 1);
  private static final BigInteger SITE_BOUND = BigInteger.ONE.shiftLeft(83 + FRACTION_BITS);

  public StatisticsLayout {
    if (numFeatures < 0 || numFeatures > (Integer.MAX_VALUE - 1) / (3 * LIMBS)) {
      throw new IllegalArgumentException("numFeatures must be from 0 to " + (Integer.MAX_VALUE - 1) / (3 * LIMBS)
          + ", got " + numFeatures);
    }
  }

  /**
   * The subject of job {@code jobId}'s statistics session, where a training session has its base
   * model's hash: it enters the session id and keys the site's contribution record, so a site sends
   * its statistics into one sum per job.
   */
  public static String subject(String jobId) {
    return SUBJECT + Objects.requireNonNull(jobId, "jobId");
  }

  /**
   * The columns whose statistics a site contributes for a task: the job's numeric features, then,
   * for a regression task, the label (standardised from its federated statistics like a feature).
   */
  public static java.util.List<String> columnsOf(io.factoryfl.proto.v1.DatasetBinding dataset) {
    java.util.List<String> columns = new java.util.ArrayList<>(dataset.getNumericFeaturesList());
    if (dataset.getTask().equals(io.factoryfl.core.task.TaskKind.REGRESSION.key())) {
      columns.add(dataset.getLabelColumn());
    }
    return java.util.List.copyOf(columns);
  }

  /** Whether {@code subject} names a statistics session rather than a model. */
  public static boolean isSubject(String subject) {
    return subject != null && subject.startsWith(SUBJECT);
  }

  /** Values per feature: its sum, its sum of squares and the weight of the rows where it is present. */
  public static final int VALUES_PER_FEATURE = 3;

  /** The number of words of a masked input: three values of {@link #LIMBS} words per feature, then the count. */
  public int words() {
    return VALUES_PER_FEATURE * LIMBS * numFeatures + 1;
  }

  /**
   * Checks that a cohort of {@code cohortSize} sites with counts up to {@code maxExamples} fits
   * the encoding.
   *
   * @throws IllegalArgumentException naming the limit
   */
  public static void requireCohort(int cohortSize, long maxExamples) {
    if (cohortSize < 1 || cohortSize > MAX_COHORT) {
      throw new IllegalArgumentException("secure feature statistics need a cohort of 1 to " + MAX_COHORT
          + " sites (so that no limb sum wraps), got " + cohortSize);
    }
    if (maxExamples < 1 || maxExamples > Integer.MAX_VALUE / cohortSize) {
      throw new IllegalArgumentException("max_examples_per_site " + maxExamples + " must be from 1 to "
          + Integer.MAX_VALUE / cohortSize + " so that the total row count of a cohort of " + cohortSize
          + " fits one word");
    }
  }

  /**
   * Encodes one site's statistics, already weighed as at most {@code maxExamples} rows.
   *
   * @param columns the job's numeric feature names, in order, for messages
   * @throws IllegalArgumentException if the statistics do not match the layout or the count is not
   *     from 1 to {@code maxExamples}
   * @throws ArithmeticException if a value is not finite or too large to encode; the message names
   *     the column (as the job names it) but not the value
   */
  public int[] encode(FeatureStats stats, java.util.List<String> columns, int cohortSize, long maxExamples) {
    Objects.requireNonNull(stats, "stats");
    Objects.requireNonNull(columns, "columns");
    requireCohort(cohortSize, maxExamples);
    if (stats.numFeatures() != numFeatures || columns.size() != numFeatures) {
      throw new IllegalArgumentException("the statistics cover " + stats.numFeatures() + " features and "
          + columns.size() + " column names; the layout has " + numFeatures);
    }
    if (stats.count() < 1 || stats.count() > maxExamples) {
      throw new IllegalArgumentException("the statistics cover " + stats.count() + " rows; a site contributes"
          + " 1 to " + maxExamples + " (max_examples_per_site, after capping)");
    }
    int[] words = new int[words()];
    double[] sum = stats.sum();
    double[] squares = stats.sumOfSquares();
    double[] present = stats.present();
    for (int f = 0; f < numFeatures; f++) {
      put(words, f * LIMBS, sum[f], "sum of column '" + columns.get(f) + "'");
      put(words, (numFeatures + f) * LIMBS, squares[f], "sum of squares of column '" + columns.get(f) + "'");
      put(words, (2 * numFeatures + f) * LIMBS, present[f], "present rows of column '" + columns.get(f) + "'");
    }
    words[words.length - 1] = (int) stats.count();
    return words;
  }

  /**
   * Decodes an unmasked sum of {@code contributors} sites' inputs into the statistics of their
   * union, after checking that honest encodings could have produced it.
   *
   * @throws IllegalArgumentException naming the word or value that no honest cohort can produce
   */
  public FeatureStats decode(int[] sum, int contributors, int cohortSize, long maxExamples) {
    Objects.requireNonNull(sum, "sum");
    requireCohort(cohortSize, maxExamples);
    if (contributors < 1 || contributors > cohortSize) {
      throw new IllegalArgumentException("contributors " + contributors + " must be from 1 to the cohort size "
          + cohortSize);
    }
    if (sum.length != words()) {
      throw new IllegalArgumentException("the sum has " + sum.length + " words; statistics of " + numFeatures
          + " features have " + words());
    }
    long count = Integer.toUnsignedLong(sum[sum.length - 1]);
    if (count < contributors || count > contributors * maxExamples) {
      throw new IllegalArgumentException("the count word of the sum is " + count + ", not a total of "
          + contributors + " counts from 1 to " + maxExamples + "; at least one site sent an out-of-range"
          + " count, so the sum is refused");
    }
    long limbBound = contributors * LIMB_MASK;
    BigInteger valueBound = SITE_BOUND.multiply(BigInteger.valueOf(contributors));
    double[] values = new double[VALUES_PER_FEATURE * numFeatures];
    for (int v = 0; v < values.length; v++) {
      BigInteger total = BigInteger.ZERO;
      for (int j = LIMBS - 1; j >= 0; j--) {
        long limb = Integer.toUnsignedLong(sum[v * LIMBS + j]);
        if (limb > limbBound) {
          throw new IllegalArgumentException("word " + (v * LIMBS + j) + " of the sum is " + limb + ", more than "
              + contributors + " limbs of " + LIMB_BITS + " bits can add up to; at least one site sent words"
              + " outside the encoding, so the sum is refused");
        }
        total = total.shiftLeft(LIMB_BITS).add(BigInteger.valueOf(limb));
      }
      total = total.mod(MODULUS);
      if (total.compareTo(HALF) >= 0) {
        total = total.subtract(MODULUS);
      }
      if (total.abs().compareTo(valueBound) > 0) {
        throw new IllegalArgumentException("value " + v + " of the sum is beyond what " + contributors
            + " sites' statistics (each below 2^83 in magnitude) can add up to, so the sum is refused");
      }
      values[v] = Math.scalb(total.doubleValue(), -FRACTION_BITS);
    }
    double[] present = java.util.Arrays.copyOfRange(values, 2 * numFeatures, 3 * numFeatures);
    for (int f = 0; f < numFeatures; f++) {
      // each site's weight rounds to 2^-24: a full column may sum a hair above the count
      if (present[f] < 0 || present[f] > count + contributors * 0x1p-24) {
        throw new IllegalArgumentException("value " + (2 * numFeatures + f) + " of the sum (the rows where feature "
            + f + " is present) is " + present[f] + ", outside 0 to the count " + count + ", so the sum is refused");
      }
      present[f] = Math.min(present[f], count);
    }
    return new FeatureStats(count, java.util.Arrays.copyOf(values, numFeatures),
        java.util.Arrays.copyOfRange(values, numFeatures, 2 * numFeatures), present);
  }

  private static void put(int[] words, int at, double value, String what) {
    if (!Double.isFinite(value) || Math.abs(value) >= MAX_VALUE) {
      // No value in the message: it may leave the site in a refusal.
      throw new ArithmeticException("the " + what + " is beyond the range of secure feature statistics"
          + " (finite, below 2^83 in magnitude); rescale that column, or leave it out of the job's numeric"
          + " features");
    }
    BigInteger fixed = new BigDecimal(Math.scalb(value, FRACTION_BITS)).setScale(0, RoundingMode.HALF_EVEN)
        .toBigIntegerExact().mod(MODULUS);
    for (int j = 0; j < LIMBS; j++) {
      words[at + j] = (int) (fixed.shiftRight(j * LIMB_BITS).longValue() & LIMB_MASK);
    }
  }
}
