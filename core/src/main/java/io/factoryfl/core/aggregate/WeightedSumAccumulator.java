package io.factoryfl.core.aggregate;

import io.factoryfl.core.params.WordSource;

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
 *
 * <p>Memory: the sums are 8 bytes per parameter, held in blocks of 256 KiB (each an ordinary heap
 * object, so a 10^8-parameter round needs no 800 MB contiguous region), and updates are read in
 * chunks ({@link WordSource}), so an update on disk is folded without being loaded. {@link
 * #drainMean} hands out the mean chunk by chunk and lets go of each block once it is used, so the
 * sums and the mean are never held whole together.
 */
public final class WeightedSumAccumulator {
  static final int FRACTION_BITS = 32;
  private static final double SCALE = 0x1p32;
  private static final double MAX_TERM = 0x1p30;
  /** Weights up to 2^29 keep value * weight exact in a double. */
  public static final long MAX_WEIGHT = 1L << 29;
  /** 2^15 longs = 256 KiB per block: below G1's humongous-object size for heaps from 1 GiB. */
  private static final int BLOCK_SHIFT = 15;
  private static final int BLOCK = 1 << BLOCK_SHIFT;

  private final int dimension;
  private long[][] blocks;
  private long totalWeight;
  private int contributions;

  public WeightedSumAccumulator(int dimension) {
    if (dimension < 1) {
      throw new IllegalArgumentException("dimension must be at least 1, got " + dimension);
    }
    this.dimension = dimension;
    int count = (dimension + BLOCK - 1) >>> BLOCK_SHIFT;
    blocks = new long[count][];
    for (int b = 0; b < count; b++) {
      blocks[b] = new long[Math.min(BLOCK, dimension - (b << BLOCK_SHIFT))];
    }
  }

  public int dimension() {
    return dimension;
  }

  /**
   * Folds in one update with its weight (its example count). On any error nothing is added.
   *
   * @throws IllegalArgumentException if the length differs from the dimension, the weight is not in
   *     [1, 2^29], or a value is NaN, infinite or too large for exact aggregation
   */
  public void add(float[] values, long weight) {
    add(WordSource.ofFloats(values), weight);
  }

  /**
   * As {@link #add(float[], long)}, for float32 values read in chunks: a first pass checks every
   * value, a second adds them; if a running sum overflows, the terms already added are taken off
   * again by reading the update once more.
   */
  public synchronized void add(WordSource values, long weight) {
    requireOpen();
    if (values.length() != dimension) {
      throw new IllegalArgumentException(
          "update has " + values.length() + " parameters, the model has " + dimension);
    }
    if (weight < 1 || weight > MAX_WEIGHT) {
      throw new IllegalArgumentException(
          "example count must be between 1 and " + MAX_WEIGHT + ", got " + weight);
    }
    values.forEachChunk((offset, words, count) -> {
      for (int k = 0; k < count; k++) {
        float v = Float.intBitsToFloat(words[k]);
        long i = offset + k;
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException("parameter " + i + " is " + v + "; updates must be finite");
        }
        if (Math.abs((double) v * weight) >= MAX_TERM) {
          throw new IllegalArgumentException(
              "parameter " + i + " = " + v + " times example count " + weight
                  + " is beyond the exact aggregation range (|value * count| < 2^30)");
        }
      }
    });
    long[] overflowAt = {-1};
    values.forEachChunk((offset, words, count) -> {
      for (int k = 0; k < count && overflowAt[0] < 0; k++) {
        int i = (int) offset + k;
        long[] block = blocks[i >>> BLOCK_SHIFT];
        int j = i & (BLOCK - 1);
        try {
          block[j] = Math.addExact(block[j], term(Float.intBitsToFloat(words[k]), weight));
        } catch (ArithmeticException overflow) {
          overflowAt[0] = i;
        }
      }
    });
    if (overflowAt[0] >= 0) {
      long end = overflowAt[0];
      values.forEachChunk((offset, words, count) -> {
        for (int k = 0; k < count && offset + k < end; k++) {
          int i = (int) offset + k;
          blocks[i >>> BLOCK_SHIFT][i & (BLOCK - 1)] -= term(Float.intBitsToFloat(words[k]), weight);
        }
      });
      throw new IllegalArgumentException(
          "parameter " + end + ": the running sum of the round left the exact aggregation range;"
              + " the update was not added");
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
    requireOpen();
    requireWeight();
    float[] mean = new float[dimension];
    double denominator = totalWeight * SCALE;
    for (int i = 0; i < dimension; i++) {
      mean[i] = (float) (blocks[i >>> BLOCK_SHIFT][i & (BLOCK - 1)] / denominator);
    }
    return mean;
  }

  /**
   * The weighted mean as float32 words, readable once: each block of sums is released as soon as
   * its part of the mean has been handed out, so the accumulator holds less and less while the
   * mean is written elsewhere. The accumulator is spent afterwards.
   *
   * @throws IllegalStateException if nothing has been added
   */
  public synchronized WordSource drainMean() {
    requireOpen();
    requireWeight();
    double denominator = totalWeight * SCALE;
    long[][] draining = blocks;
    blocks = null;
    return new WordSource() {
      private boolean read;

      @Override
      public long length() {
        return dimension;
      }

      @Override
      public synchronized void forEachChunk(ChunkConsumer consumer) {
        if (read) {
          throw new IllegalStateException("the drained mean was read already; it is readable once");
        }
        read = true;
        int[] chunk = new int[Math.min(BLOCK, dimension)];
        for (int b = 0; b < draining.length; b++) {
          long[] block = draining[b];
          for (int j = 0; j < block.length; j++) {
            chunk[j] = Float.floatToRawIntBits((float) (block[j] / denominator));
          }
          draining[b] = null;
          consumer.accept((long) b << BLOCK_SHIFT, chunk, block.length);
        }
      }
    };
  }

  private void requireWeight() {
    if (totalWeight == 0) {
      throw new IllegalStateException("no update has been added; there is nothing to average");
    }
  }

  private void requireOpen() {
    if (blocks == null) {
      throw new IllegalStateException("the mean was drained; this accumulator is spent");
    }
  }
}
