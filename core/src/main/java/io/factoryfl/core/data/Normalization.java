package io.factoryfl.core.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * Per-feature standardisation {@code (x - mean) / std} for the numeric columns of a {@link
 * FeatureSchema}, in schema order. Arrays are copied in and out.
 *
 * @param mean the mean of each numeric feature
 * @param std the standard deviation of each numeric feature, every entry finite and &gt; 0
 */
public record Normalization(double[] mean, double[] std) {

  public Normalization {
    Objects.requireNonNull(mean, "mean must not be null");
    Objects.requireNonNull(std, "std must not be null");
    if (mean.length != std.length) {
      throw new IllegalArgumentException(
          "mean and std must have equal length, were " + mean.length + " and " + std.length);
    }
    for (int i = 0; i < mean.length; i++) {
      if (!Double.isFinite(mean[i])) {
        throw new IllegalArgumentException("mean[" + i + "] must be finite, was " + mean[i]);
      }
      if (!(std[i] > 0) || !Double.isFinite(std[i])) {
        throw new IllegalArgumentException(
            "std[" + i + "] must be finite and > 0, was " + std[i]
                + " (use Normalization.fromStats to replace a zero std by 1)");
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /**
   * Builds a normalization from raw statistics; a zero standard deviation (a constant feature) is
   * replaced by 1 so that the feature is centred but not blown up.
   */
  public static Normalization fromStats(double[] mean, double[] std) {
    Objects.requireNonNull(std, "std must not be null");
    double[] safeStd = std.clone();
    for (int i = 0; i < safeStd.length; i++) {
      if (safeStd[i] == 0.0) {
        safeStd[i] = 1.0;
      }
    }
    return new Normalization(mean, safeStd);
  }

  /** The identity transform for {@code numFeatures} features (mean 0, std 1). */
  public static Normalization identity(int numFeatures) {
    double[] ones = new double[numFeatures];
    Arrays.fill(ones, 1.0);
    return new Normalization(new double[numFeatures], ones);
  }

  @Override
  public double[] mean() {
    return mean.clone();
  }

  @Override
  public double[] std() {
    return std.clone();
  }

  public int size() {
    return mean.length;
  }

  /** Standardises {@code value} as feature {@code index}. */
  public double apply(int index, double value) {
    return (value - mean[index]) / std[index];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Normalization other
        && Arrays.equals(mean, other.mean)
        && Arrays.equals(std, other.std);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
  }
}
