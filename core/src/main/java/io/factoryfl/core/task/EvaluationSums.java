package io.factoryfl.core.task;

import java.util.Arrays;
import java.util.Objects;

/**
 * One site's evaluation of a model as additive sufficient statistics, so that the sums of several
 * sites {@link #merge merge} into the exact statistics of their union and every metric of the task
 * is computed once, over the union. Which counts and sums there are is the {@link TaskFamily}'s
 * layout (a confusion matrix and score histograms for a classifier; error sums for a regressor).
 * Arrays are copied in and out.
 *
 * @param numExamples examples evaluated
 * @param lossSum the sum over examples of the training loss
 * @param counts non-negative counts, laid out by the task family
 * @param sums finite sums, laid out by the task family
 */
public record EvaluationSums(long numExamples, double lossSum, long[] counts, double[] sums) {
  public EvaluationSums {
    Objects.requireNonNull(counts, "counts");
    Objects.requireNonNull(sums, "sums");
    if (numExamples < 0) {
      throw new IllegalArgumentException("numExamples must be >= 0, was " + numExamples);
    }
    if (!Double.isFinite(lossSum) || lossSum < 0) {
      throw new IllegalArgumentException("lossSum must be finite and >= 0, was " + lossSum);
    }
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] < 0) {
        throw new IllegalArgumentException("count " + i + " is " + counts[i] + "; counts must be >= 0");
      }
    }
    for (int i = 0; i < sums.length; i++) {
      if (!Double.isFinite(sums[i])) {
        throw new IllegalArgumentException("sum " + i + " is " + sums[i] + "; sums must be finite");
      }
    }
    counts = counts.clone();
    sums = sums.clone();
  }

  @Override
  public long[] counts() {
    return counts.clone();
  }

  @Override
  public double[] sums() {
    return sums.clone();
  }

  /**
   * The statistics of the union of this evaluation's and {@code other}'s examples.
   *
   * @throws IllegalArgumentException if the layouts differ
   * @throws ArithmeticException if a count overflows
   */
  public EvaluationSums merge(EvaluationSums other) {
    if (other.counts.length != counts.length || other.sums.length != sums.length) {
      throw new IllegalArgumentException("cannot merge evaluations of different layouts: " + counts.length
          + "/" + sums.length + " and " + other.counts.length + "/" + other.sums.length + " counts/sums");
    }
    long[] mergedCounts = new long[counts.length];
    for (int i = 0; i < counts.length; i++) {
      mergedCounts[i] = Math.addExact(counts[i], other.counts[i]);
    }
    double[] mergedSums = new double[sums.length];
    for (int i = 0; i < sums.length; i++) {
      mergedSums[i] = sums[i] + other.sums[i];
    }
    return new EvaluationSums(Math.addExact(numExamples, other.numExamples), lossSum + other.lossSum,
        mergedCounts, mergedSums);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EvaluationSums other && numExamples == other.numExamples
        && Double.compare(lossSum, other.lossSum) == 0 && Arrays.equals(counts, other.counts)
        && Arrays.equals(sums, other.sums);
  }

  @Override
  public int hashCode() {
    return Objects.hash(numExamples, lossSum, Arrays.hashCode(counts), Arrays.hashCode(sums));
  }

  @Override
  public String toString() {
    return "EvaluationSums[n=" + numExamples + ", loss=" + lossSum + ", " + counts.length + " counts, "
        + sums.length + " sums]";
  }
}
