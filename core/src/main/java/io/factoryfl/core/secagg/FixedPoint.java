package io.factoryfl.core.secagg;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The fixed-point encoding that turns a weighted float update into int[] for secure summation, and
 * back into the weighted mean.
 *
 * <h2>Encoding</h2>
 * With clip {@code c}, {@code L = 2^(bits-1) - 1} levels, a job-wide cap {@code W} on examples per
 * participant ({@code maxExamples}) and this participant's count {@code w}, coordinate i becomes the integer {@code q_i =
 * SR(clip(delta_i, -c, c) / c * w / W * L)}, where SR rounds stochastically (up with probability
 * equal to the fractional part, so it is unbiased). Each participant thus pre-scales by its example
 * count; {@code |q_i| <= L}. One more coordinate carries {@code w} itself, so the coordinator learns
 * only the total count. Negative values are two's complement modulo 2^32. In a training round the
 * encoded values are the update delta followed by the site's mapped training loss ({@link
 * MaskedLayout}).
 *
 * <h2>Headroom</h2>
 * {@link SecAggParameters#requireCohort} guarantees {@code bits + ceil(log2(n + 1)) <= 32}, so the
 * sum of n values lies in {@code (-2^31, 2^31)} and never wraps; the count coordinate needs {@code n
 * * W < 2^31}, which {@link #encode} and {@link #decode} check. Parameters made by {@link SecAggParameters#of} for the cohort, as
 * the protocol classes require, therefore cannot wrap.
 *
 * <h2>Quantisation error bound</h2>
 * For m contributors with total count {@code N = sum w}, each rounding errs by less than one level,
 * so every coordinate of the decoded mean differs from the exact weighted mean of the clipped values
 * by less than {@code m * c * W / (L * N) + c * 2^-23} (the second term covers the float result).
 * {@link #errorBound} computes it. When every participant has close to W examples this is about
 * {@code c / L}; participants far below the cap lose resolution, so W should be set near the largest
 * expected count. Values beyond {@code +-c} are clipped, which is a deliberate change, not an error.
 *
 * <h2>Range check of an unmasked sum (bounded influence)</h2>
 * An honest contributor's coordinate is {@code |q| <= min(L, floor(w L / W) + 2)}: the rounding
 * rounds |scaled| up at most once, and the double arithmetic of the scale can push an exact integer
 * {@code w L / W} over it by less than one more. So the m contributors of a sum with count
 * {@code N} can only produce {@code N} in {@code [m, m W]} and every coordinate within {@code
 * +-}{@link #sumBound}{@code = min(m L, floor(N L / W) + 2m)}. {@link #decode} refuses any other
 * sum, so a decoded mean always satisfies {@code |mean_i| <= c + 2 m c W / (L N)} ({@link
 * #meanBound}), whatever the contributors sent: one site adding 2^31 to its words, or claiming a
 * negative count to shrink N, is caught instead of moving the mean by up to {@code 2^31 c W /
 * (L N)}.
 *
 * <p>What this does not bound: a site can still send any vector inside the encoding range, and
 * the sum hides which site sent what. Within the bound one site can therefore move every
 * coordinate of the mean anywhere in {@code [-c, c]}, not only by its honest share {@code 2 c w /
 * N}; it can also claim any count from 1 to W. Bounding a site's own share needs a per-site range
 * proof on the masked input (zero-knowledge, as in RoFL or ACORN), which this implementation does
 * not have.
 */
public final class FixedPoint {
  /** The decoded weighted mean and the total example count of the contributors. */
  public record Decoded(float[] mean, long totalExamples) {
    public Decoded {
      mean = mean.clone();
    }

    @Override
    public float[] mean() {
      return mean.clone();
    }
  }

  private FixedPoint() {}

  /**
   * Encodes an update as {@code d + 1} ints, the last being {@code numExamples}.
   *
   * @param cohortSize the cohort size the parameters were made for (checks headroom)
   * @param maxExamples the job-wide cap W on a participant's example count
   * @param random the stochastic-rounding source
   * @throws IllegalArgumentException on a non-finite value, a count outside [1, W], or a W too large
   *     for the cohort
   */
  public static int[] encode(float[] delta, long numExamples, SecAggParameters parameters, int cohortSize,
      long maxExamples, RandomGenerator random) {
    Objects.requireNonNull(delta, "delta");
    Objects.requireNonNull(random, "random");
    requireRange(parameters, cohortSize, maxExamples);
    if (numExamples < 1 || numExamples > maxExamples) {
      throw new IllegalArgumentException("numExamples " + numExamples + " must be from 1 to maxExamples "
          + maxExamples + "; cap the count, or raise maxExamples for the job");
    }
    double clip = parameters.clip();
    int levels = parameters.levels();
    double scale = (double) numExamples / maxExamples * levels / clip;
    int[] encoded = new int[delta.length + 1];
    for (int i = 0; i < delta.length; i++) {
      float value = delta[i];
      if (!Float.isFinite(value)) {
        throw new IllegalArgumentException("update value " + i + " is " + value + "; updates must be finite");
      }
      double scaled = Math.max(-clip, Math.min(clip, value)) * scale;
      double floor = Math.floor(scaled);
      long q = (long) floor + (random.nextDouble() < scaled - floor ? 1 : 0);
      encoded[i] = (int) Math.max(-levels, Math.min(levels, q));
    }
    encoded[delta.length] = (int) numExamples;
    return encoded;
  }

  /**
   * Decodes an unmasked sum into the weighted mean of the contributors' clipped updates and their
   * total example count, after checking that {@code contributors} honest encodings could have
   * produced it (see the class comment).
   *
   * @param cohortSize the cohort size the parameters were made for (checks headroom)
   * @param contributors how many masked inputs went into the sum (the survivors), from 1 to the
   *     cohort size
   * @throws IllegalArgumentException if the count is not a total of {@code contributors} counts
   *     from 1 to W, or a coordinate lies outside {@code +-}{@link #sumBound}; the message names the
   *     coordinate, its value and the bound
   */
  public static Decoded decode(int[] sum, SecAggParameters parameters, int cohortSize, int contributors,
      long maxExamples) {
    Objects.requireNonNull(sum, "sum");
    requireRange(parameters, cohortSize, maxExamples);
    if (contributors < 1 || contributors > cohortSize) {
      throw new IllegalArgumentException("contributors " + contributors + " must be from 1 to the cohort size "
          + cohortSize);
    }
    if (sum.length < 1) {
      throw new IllegalArgumentException("the sum is empty; it needs at least the count coordinate");
    }
    long total = sum[sum.length - 1];
    if (total < contributors || total > contributors * maxExamples) {
      throw new IllegalArgumentException("the count coordinate of the sum is " + total + ", not a total of "
          + contributors + " counts from 1 to " + maxExamples + " (" + contributors + " to "
          + contributors * maxExamples + "); at least one contributor sent an out-of-range count, so the"
          + " sum is refused");
    }
    long bound = sumBound(parameters, contributors, total, maxExamples);
    for (int i = 0; i < sum.length - 1; i++) {
      if (Math.abs((long) sum[i]) > bound) {
        throw new IllegalArgumentException("coordinate " + i + " of the sum is " + sum[i] + ", beyond the +-"
            + bound + " that " + contributors + " contributors with " + total + " examples can produce"
            + " (clip " + parameters.clip() + ", " + parameters.bits() + " bits, max examples " + maxExamples
            + "); at least one contributor sent values outside the encoding range, so the sum is refused");
      }
    }
    double unit = parameters.clip() * maxExamples / parameters.levels() / total;
    float[] mean = new float[sum.length - 1];
    for (int i = 0; i < mean.length; i++) {
      mean[i] = (float) (sum[i] * unit);
    }
    return new Decoded(mean, total);
  }

  /**
   * The largest |coordinate| that {@code contributors} honest encodings with total count {@code
   * totalExamples} can sum to: {@code min(m L, floor(N L / W) + 2m)}.
   */
  public static long sumBound(SecAggParameters parameters, int contributors, long totalExamples,
      long maxExamples) {
    long levels = parameters.levels();
    // N <= m W < 2^31 and L < 2^31, so the product fits a long exactly.
    return Math.min(contributors * levels, totalExamples * levels / maxExamples + 2L * contributors);
  }

  /**
   * The largest |coordinate| of a mean that {@link #decode} accepts, for {@code contributors} and
   * {@code totalExamples}: {@code c + 2 m c W / (L N)}, plus the float rounding of the result.
   */
  public static double meanBound(SecAggParameters parameters, int contributors, long totalExamples,
      long maxExamples) {
    double unit = parameters.clip() * maxExamples / parameters.levels() / totalExamples;
    return sumBound(parameters, contributors, totalExamples, maxExamples) * unit * (1 + 0x1p-23);
  }

  /**
   * The largest difference, per coordinate, between {@link #decode}'s mean and the exact weighted
   * mean of the clipped updates of {@code contributors} participants: {@code m * c * W / (L * N) + c
   * * 2^-23}.
   */
  public static double errorBound(SecAggParameters parameters, int contributors, long totalExamples,
      long maxExamples) {
    double clip = parameters.clip();
    return contributors * clip * maxExamples / ((double) parameters.levels() * totalExamples) + clip * 0x1p-23;
  }

  private static void requireRange(SecAggParameters parameters, int cohortSize, long maxExamples) {
    Objects.requireNonNull(parameters, "parameters");
    parameters.requireCohort(cohortSize);
    if (maxExamples < 1 || maxExamples > Integer.MAX_VALUE / cohortSize) {
      throw new IllegalArgumentException("maxExamples " + maxExamples + " must be from 1 to "
          + Integer.MAX_VALUE / cohortSize + " so that the total count of a cohort of " + cohortSize
          + " fits the sum");
    }
  }
}
