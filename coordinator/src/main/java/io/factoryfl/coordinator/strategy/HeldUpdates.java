package io.factoryfl.coordinator.strategy;

import java.util.Arrays;

/**
 * A round's updates, each kept whole, for the robust rules that must see them individually
 * (median, trimmed mean, multi-Krum): O(n * d) memory, bounded at submit by {@link
 * RobustStrategies#MAX_HELD_BYTES} and here by a capacity of participants.max updates.
 */
final class HeldUpdates implements Aggregation {
  private final int dimension;
  private final float[][] rows;
  private final long[] weights;
  private int count;

  /**
   * @param capacity the most updates a round can bring (participants.max)
   */
  HeldUpdates(int capacity, int dimension) {
    if (capacity < 1 || dimension < 1) {
      throw new IllegalArgumentException(
          "capacity and dimension must be at least 1, got " + capacity + " and " + dimension);
    }
    this.dimension = dimension;
    this.rows = new float[capacity][];
    this.weights = new long[capacity];
  }

  /** Keeps a copy of the update; the caller's array is not retained. */
  @Override
  public synchronized void accept(float[] parameters, long numExamples) {
    if (parameters.length != dimension) {
      throw new IllegalArgumentException(
          "update has " + parameters.length + " parameters, the model has " + dimension);
    }
    if (numExamples < 1) {
      throw new IllegalArgumentException("example count must be at least 1, got " + numExamples);
    }
    if (count == rows.length) {
      throw new IllegalArgumentException("the round already holds " + count
          + " updates (participants.max); no more can be aggregated");
    }
    for (int i = 0; i < parameters.length; i++) {
      if (!Float.isFinite(parameters[i])) {
        throw new IllegalArgumentException(
            "parameter " + i + " is " + parameters[i] + "; updates must be finite");
      }
    }
    rows[count] = parameters.clone();
    weights[count] = numExamples;
    count++;
  }

  synchronized int count() {
    return count;
  }

  int dimension() {
    return dimension;
  }

  /**
   * The held updates sorted by content (lexicographically by value), so that what the rules
   * compute does not depend on the order in which sites finished: a seeded run stays
   * reproducible bit for bit. The arrays are the held ones, not copies.
   */
  synchronized float[][] canonicalRows() {
    float[][] sorted = Arrays.copyOf(rows, count);
    Arrays.sort(sorted, Arrays::compare);
    return sorted;
  }

  /** The sum of the held example counts, each capped by {@code cap}. */
  synchronized long totalWeight(java.util.function.LongUnaryOperator cap) {
    long total = 0;
    for (int i = 0; i < count; i++) {
      total += cap.applyAsLong(weights[i]);
    }
    return total;
  }
}
