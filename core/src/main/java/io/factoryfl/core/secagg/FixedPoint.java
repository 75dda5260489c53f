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
 * only the total count. Negative values are two's complement modulo 2^32.
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
   * total example count.
   *
   * @throws IllegalArgumentException if the count coordinate is not a positive total the cohort can
   *     have produced
   */
  public static Decoded decode(int[] sum, SecAggParameters parameters, int cohortSize, long maxExamples) {
    Objects.requireNonNull(sum, "sum");
    requireRange(parameters, cohortSize, maxExamples);
    if (sum.length < 1) {
      throw new IllegalArgumentException("the sum is empty; it needs at least the count coordinate");
    }
    long total = sum[sum.length - 1];
    if (total < 1 || total > cohortSize * maxExamples) {
      throw new IllegalArgumentException("the count coordinate of the sum is " + total + ", not a total of "
          + "1 to " + cohortSize * maxExamples + " examples; the sum is not a valid unmasked aggregate");
    }
    double unit = parameters.clip() * maxExamples / parameters.levels() / total;
    float[] mean = new float[sum.length - 1];
    for (int i = 0; i < mean.length; i++) {
      mean[i] = (float) (sum[i] * unit);
    }
    return new Decoded(mean, total);
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
