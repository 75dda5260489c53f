package io.factoryfl.coordinator.strategy;

/**
 * Coordinate-wise median (Yin et al. 2018; Flower's FedMedian): each parameter is the median of
 * the round's n values for it, the mean of the two middle values when n is even. Every site has one
 * vote whatever example count it claims. While fewer than half of the n updates are Byzantine, each
 * coordinate of the result lies within the range of the honest updates' values for it: no site can
 * drag a coordinate outside what the honest sites proposed, however far it scales its update.
 */
final class CoordinateMedian extends CoordinateWise {
  @Override
  float column(float[] values, int from, int n) {
    int k = from + n / 2;
    Select.nth(values, from, from + n, k);
    if (n % 2 == 1) {
      return values[k];
    }
    float lower = values[from];
    for (int i = from + 1; i < k; i++) {
      lower = Math.max(lower, values[i]);
    }
    return (float) (((double) lower + values[k]) / 2);
  }

  @Override
  public String key() {
    return "median";
  }
}
