package io.factoryfl.core.aggregate;

/**
 * Streaming weighted mean of parameter vectors (FedAvg's arithmetic) in O(d) memory: updates are
 * folded in one at a time and never kept.
 *
 * <p>Each term {@code value * weight} is computed exactly in double precision (a float times an
 * integer below 2^29 needs at most 53 bits) and added to a 64-bit fixed-point sum with 32 fraction
 * bits. Integer addition is associative, so the result does not depend on the order in which
 * updates arrive: a seeded simulation gives bit-identical global models run after run even though
 * sites finish in a different order each time. The cost is an absolute rounding error of at most
 * 2^-33 per term, and a range: a term whose magnitude reaches 2^30 (for example a parameter of
 * 2,000 trained on a million examples) is refused rather than silently wrapped.
 */
public final class WeightedSumAccumulator {
  static final int FRACTION_BITS = 32;
  private static final double SCALE = 0x1p32;
  private static final double MAX_TERM = 0x1p30;
  /** Weights up to 2^29 keep value * weight exact in a double. */
  public static final long MAX_WEIGHT = 1L << 29;

  private final long[] sums;
  private long totalWeight;
  private int contributions;

  public WeightedSumAccumulator(int dimension) {
    if (dimension < 1) {
      throw new IllegalArgumentException("dimension must be at least 1, got " + dimension);
    }
    sums = new long[dimension];
  }

  public int dimension() {
    return sums.length;
  }

  /**
   * Folds in one update with its weight (its example count). On any error nothing is added.
   *
   * @throws IllegalArgumentException if the length differs from the dimension, the weight is not in
   *     [1, 2^29], or a value is NaN, infinite or too large for exact aggregation
   */
  public synchronized void add(float[] values, long weight) {
    if (values.length != sums.length) {
      throw new IllegalArgumentException(
          "update has " + values.length + " parameters, the model has " + sums.length);
    }
    if (weight < 1 || weight > MAX_WEIGHT) {
      throw new IllegalArgumentException(
          "example count must be between 1 and " + MAX_WEIGHT + ", got " + weight);
    }
    for (int i = 0; i < values.length; i++) {
      float v = values[i];
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException("parameter " + i + " is " + v + "; updates must be finite");
      }
      if (Math.abs((double) v * weight) >= MAX_TERM) {
        throw new IllegalArgumentException(
            "parameter " + i + " = " + v + " times example count " + weight
                + " is beyond the exact aggregation range (|value * count| < 2^30)");
      }
    }
    for (int i = 0; i < values.length; i++) {
      try {
        sums[i] = Math.addExact(sums[i], term(values[i], weight));
      } catch (ArithmeticException overflow) {
        for (int j = 0; j < i; j++) {
          sums[j] -= term(values[j], weight);
        }
        throw new IllegalArgumentException(
            "parameter " + i + ": the running sum of the round left the exact aggregation range;"
                + " the update was not added");
      }
    }
    totalWeight += weight;
    contributions++;
  }

  private static long term(float value, long weight) {
    return Math.round((double) value * weight * SCALE);
  }

  public synchronized long totalWeight() {
    return totalWeight;
  }

  public synchronized int contributions() {
    return contributions;
  }

  /**
   * The weighted mean of everything added so far.
   *
   * @throws IllegalStateException if nothing has been added
   */
  public synchronized float[] weightedMean() {
    if (totalWeight == 0) {
      throw new IllegalStateException("no update has been added; there is nothing to average");
    }
    float[] mean = new float[sums.length];
    double denominator = totalWeight * SCALE;
    for (int i = 0; i < sums.length; i++) {
      mean[i] = (float) (sums[i] / denominator);
    }
    return mean;
  }
}
