package io.factoryfl.coordinator.strategy;

import java.util.function.IntUnaryOperator;

/**
 * Coordinate-wise trimmed mean (Yin et al. 2018; Flower's FedTrimmedAvg): for each parameter the t
 * smallest and t largest of the round's n values are dropped and the rest averaged, unweighted. Two
 * selections find the kept range in O(n). With at most t Byzantine updates every kept value lies
 * within the range of the honest values, so each coordinate of the result does too.
 */
final class TrimmedMean extends CoordinateWise {
  private final IntUnaryOperator trimCount;

  /**
   * @param trimCount t for a round of n updates; must stay below n / 2
   */
  TrimmedMean(IntUnaryOperator trimCount) {
    this.trimCount = trimCount;
  }

  @Override
  float column(float[] values, int from, int n) {
    int t = trimCount.applyAsInt(n);
    if (t < 0 || 2 * t >= n) {
      throw new IllegalStateException("cannot trim " + t + " from each end of " + n + " values");
    }
    int to = from + n;
    if (t > 0) {
      Select.nth(values, from, to, from + t);
      Select.nth(values, from + t, to, to - t);
    }
    double sum = 0;
    for (int i = from + t; i < to - t; i++) {
      sum += values[i];
    }
    return (float) (sum / (n - 2 * t));
  }

  @Override
  public String key() {
    return "trimmed_mean";
  }
}
