package io.factoryfl.core.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * Sufficient statistics (count, sum, sum of squares) of the numeric features of one dataset.
 * Statistics of disjoint datasets {@link #merge merge} into the statistics of their union, so a
 * federation can compute a global {@link Normalization} without moving raw rows.
 *
 * <p>A feature may be missing in some rows (a job whose {@code dataset.missing_values} imputes):
 * its sums then cover the rows where it is present, and {@code present} says how many those are
 * (a weight, since {@link #capped} scales it with the sums); a feature present in every row has
 * {@code present == count}.
 *
 * <p>Arrays are copied in and out.
 *
 * @param count number of rows
 * @param sum per-feature sum of the present values
 * @param sumOfSquares per-feature sum of the squared present values
 * @param present per-feature weight of the rows where the feature is present, from 0 to count
 */
public record FeatureStats(long count, double[] sum, double[] sumOfSquares, double[] present) {

  /** Statistics of rows where every feature is present. */
  public FeatureStats(long count, double[] sum, double[] sumOfSquares) {
    this(count, sum, sumOfSquares, filled(sum.length, count));
  }

  public FeatureStats {
    Objects.requireNonNull(sum, "sum must not be null");
    Objects.requireNonNull(sumOfSquares, "sumOfSquares must not be null");
    Objects.requireNonNull(present, "present must not be null");
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, was " + count);
    }
    if (sum.length != sumOfSquares.length || sum.length != present.length) {
      throw new IllegalArgumentException(
          "sum, sumOfSquares and present must have equal length, were "
              + sum.length + ", " + sumOfSquares.length + " and " + present.length);
    }
    for (int i = 0; i < present.length; i++) {
      // a little slack: capped() scales present and count separately in floating point
      if (!(present[i] >= 0) || present[i] > count * (1 + 1e-12)) {
        throw new IllegalArgumentException("present[" + i + "] must be from 0 to the count " + count + ", was "
            + present[i]);
      }
    }
    sum = sum.clone();
    sumOfSquares = sumOfSquares.clone();
    present = present.clone();
  }

  private static double[] filled(int length, long count) {
    double[] values = new double[length];
    Arrays.fill(values, count);
    return values;
  }

  /** Statistics of zero rows over {@code numFeatures} features. */
  public static FeatureStats empty(int numFeatures) {
    if (numFeatures < 0) {
      throw new IllegalArgumentException("numFeatures must be >= 0, was " + numFeatures);
    }
    return new FeatureStats(0, new double[numFeatures], new double[numFeatures]);
  }

  /**
   * Statistics of the rows of {@code rows} ({@code rows[i]} is one row of features).
   *
   * @throws IllegalArgumentException if a row's length differs from {@code numFeatures}
   */
  public static FeatureStats of(int numFeatures, double[]... rows) {
    double[] sum = new double[numFeatures];
    double[] squares = new double[numFeatures];
    for (int r = 0; r < rows.length; r++) {
      if (rows[r].length != numFeatures) {
        throw new IllegalArgumentException(
            "row " + r + " has " + rows[r].length + " features, expected " + numFeatures);
      }
      for (int f = 0; f < numFeatures; f++) {
        sum[f] += rows[r][f];
        squares[f] += rows[r][f] * rows[r][f];
      }
    }
    return new FeatureStats(rows.length, sum, squares);
  }

  public int numFeatures() {
    return sum.length;
  }

  @Override
  public double[] sum() {
    return sum.clone();
  }

  @Override
  public double[] sumOfSquares() {
    return sumOfSquares.clone();
  }

  @Override
  public double[] present() {
    return present.clone();
  }

  /** Whether some feature is missing in some row. */
  public boolean hasMissing() {
    for (double weight : present) {
      if (weight != count) {
        return true;
      }
    }
    return false;
  }

  /**
   * These statistics weighed as at most {@code maxCount} rows: if {@code count} is larger, count,
   * sums and sums of squares are scaled by {@code maxCount / count}, which keeps the dataset's
   * means and variances but caps its say in a merged normalisation, as a site's example count is
   * capped in FedAvg.
   *
   * @throws IllegalArgumentException if {@code maxCount < 1}
   */
  public FeatureStats capped(long maxCount) {
    if (maxCount < 1) {
      throw new IllegalArgumentException("maxCount must be >= 1, was " + maxCount);
    }
    if (count <= maxCount) {
      return this;
    }
    double scale = (double) maxCount / count;
    double[] scaledSum = new double[sum.length];
    double[] scaledSquares = new double[sum.length];
    double[] scaledPresent = new double[sum.length];
    for (int i = 0; i < sum.length; i++) {
      scaledSum[i] = sum[i] * scale;
      scaledSquares[i] = sumOfSquares[i] * scale;
      scaledPresent[i] = Math.min(maxCount, present[i] * scale);
    }
    return new FeatureStats(maxCount, scaledSum, scaledSquares, scaledPresent);
  }

  /** Whether every sum and sum of squares is a finite number. */
  public boolean isFinite() {
    for (int i = 0; i < sum.length; i++) {
      if (!Double.isFinite(sum[i]) || !Double.isFinite(sumOfSquares[i])) {
        return false;
      }
    }
    return true;
  }

  /**
   * Statistics of the union of the two (disjoint) datasets.
   *
   * @throws ArithmeticException if the total count overflows a long
   */
  public FeatureStats merge(FeatureStats other) {
    Objects.requireNonNull(other, "other must not be null");
    if (other.sum.length != sum.length) {
      throw new IllegalArgumentException(
          "cannot merge feature stats of different widths: "
              + sum.length + " features vs " + other.sum.length + " features");
    }
    double[] mergedSum = new double[sum.length];
    double[] mergedSquares = new double[sum.length];
    double[] mergedPresent = new double[sum.length];
    for (int i = 0; i < sum.length; i++) {
      mergedSum[i] = sum[i] + other.sum[i];
      mergedSquares[i] = sumOfSquares[i] + other.sumOfSquares[i];
      mergedPresent[i] = present[i] + other.present[i];
    }
    return new FeatureStats(Math.addExact(count, other.count), mergedSum, mergedSquares, mergedPresent);
  }

  /**
   * Mean and population standard deviation of each feature over the rows where it is present; a
   * constant feature gets std 1 (see {@link Normalization#fromStats}).
   *
   * @throws IllegalStateException if the statistics cover no rows, or a feature is present in none
   */
  public Normalization toNormalization() {
    if (count == 0) {
      throw new IllegalStateException(
          "cannot derive a normalization from feature stats of 0 rows;"
              + " compute stats over a non-empty dataset first");
    }
    double[] mean = new double[sum.length];
    double[] std = new double[sum.length];
    for (int i = 0; i < sum.length; i++) {
      if (!(present[i] > 0)) {
        throw new IllegalStateException("feature " + i + " has no value in any of the " + count
            + " rows; it cannot be standardised (leave it out of the job's features)");
      }
      mean[i] = sum[i] / present[i];
      double meanOfSquares = sumOfSquares[i] / present[i];
      double variance = meanOfSquares - mean[i] * mean[i];
      // E[x^2] - E[x]^2 cancels catastrophically for a constant feature and leaves rounding
      // noise of a few ulps of E[x^2] (possibly negative); that is not a real spread.
      if (variance <= 1e-13 * meanOfSquares) {
        variance = 0.0;
      }
      std[i] = Math.sqrt(variance);
    }
    return Normalization.fromStats(mean, std);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureStats other
        && count == other.count
        && Arrays.equals(sum, other.sum)
        && Arrays.equals(sumOfSquares, other.sumOfSquares)
        && Arrays.equals(present, other.present);
  }

  @Override
  public int hashCode() {
    return (Long.hashCode(count) * 31 + Arrays.hashCode(sum)) * 31
        + Arrays.hashCode(sumOfSquares);
  }

  @Override
  public String toString() {
    return "FeatureStats[count=" + count + ", sum=" + Arrays.toString(sum)
        + ", sumOfSquares=" + Arrays.toString(sumOfSquares) + ", present=" + Arrays.toString(present) + "]";
  }
}
