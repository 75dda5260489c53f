package io.factoryfl.core.metrics;

import java.util.Arrays;
import java.util.Objects;

/**
 * Counts of positive and negative examples per score bin: {@code bins} equal-width bins over
 * [0, 1] of the predicted positive-class probability; bin {@code b} holds scores in {@code [b/bins,
 * (b+1)/bins)}, the last bin also holds 1.0.
 *
 * <p>Histograms from several sites {@link #merge merge} exactly, and the ROC-AUC and average
 * precision computed from the merged histogram approximate the exact metrics of the pooled scores
 * (each bin acts as one group of tied scores), so a federation can report global ranking metrics
 * without collecting per-example scores.
 *
 * <p>Mutable accumulator: {@link #add} and {@link #merge} change this instance. Not thread-safe.
 */
public final class ScoreHistogram {

  private final long[] positives;
  private final long[] negatives;

  /** An empty histogram with {@code bins} bins ({@code bins >= 1}). */
  public ScoreHistogram(int bins) {
    if (bins < 1) {
      throw new IllegalArgumentException("bins must be >= 1, was " + bins);
    }
    this.positives = new long[bins];
    this.negatives = new long[bins];
  }

  /**
   * A histogram holding the given per-bin counts (copied).
   *
   * @throws IllegalArgumentException if the arrays are empty, differ in length or hold a negative
   *     count
   */
  public static ScoreHistogram of(long[] positives, long[] negatives) {
    Objects.requireNonNull(positives, "positives must not be null");
    Objects.requireNonNull(negatives, "negatives must not be null");
    if (positives.length != negatives.length) {
      throw new IllegalArgumentException(
          "positives and negatives must have equal length, were "
              + positives.length + " and " + negatives.length);
    }
    ScoreHistogram histogram = new ScoreHistogram(positives.length);
    for (int b = 0; b < positives.length; b++) {
      if (positives[b] < 0 || negatives[b] < 0) {
        throw new IllegalArgumentException(
            "counts must be >= 0, bin " + b + " had positives=" + positives[b]
                + " negatives=" + negatives[b]);
      }
      histogram.positives[b] = positives[b];
      histogram.negatives[b] = negatives[b];
    }
    return histogram;
  }

  public int bins() {
    return positives.length;
  }

  /**
   * Counts one example.
   *
   * @param score predicted probability of the positive class, in [0, 1]
   * @param positive whether the example is actually positive
   * @throws IllegalArgumentException if the score is NaN or outside [0, 1]
   */
  public void add(double score, boolean positive) {
    if (!(score >= 0.0 && score <= 1.0)) {
      throw new IllegalArgumentException("score must be in [0, 1], was " + score);
    }
    int bin = Math.min(positives.length - 1, (int) (score * positives.length));
    if (positive) {
      positives[bin]++;
    } else {
      negatives[bin]++;
    }
  }

  /**
   * Adds the counts of {@code other} into this histogram and returns this.
   *
   * @throws IllegalArgumentException if the bin counts differ
   */
  public ScoreHistogram merge(ScoreHistogram other) {
    Objects.requireNonNull(other, "other must not be null");
    if (other.bins() != bins()) {
      throw new IllegalArgumentException(
          "cannot merge histograms with different bin counts: " + bins() + " and " + other.bins());
    }
    for (int b = 0; b < positives.length; b++) {
      positives[b] = Math.addExact(positives[b], other.positives[b]);
      negatives[b] = Math.addExact(negatives[b], other.negatives[b]);
    }
    return this;
  }

  /** An independent copy of this histogram. */
  public ScoreHistogram copy() {
    return of(positives, negatives);
  }

  /** Positive counts per bin (a copy). */
  public long[] positives() {
    return positives.clone();
  }

  /** Negative counts per bin (a copy). */
  public long[] negatives() {
    return negatives.clone();
  }

  /**
   * @throws ArithmeticException if the total overflows a long (only possible for counts that were
   *     never validated: merged histograms of bounded sites cannot)
   */
  public long positiveCount() {
    return total(positives);
  }

  /** @throws ArithmeticException as {@link #positiveCount} */
  public long negativeCount() {
    return total(negatives);
  }

  /** @throws ArithmeticException as {@link #positiveCount} */
  public long count() {
    return Math.addExact(positiveCount(), negativeCount());
  }

  private static long total(long[] counts) {
    long total = 0;
    for (long c : counts) {
      total = Math.addExact(total, c);
    }
    return total;
  }

  /**
   * ROC-AUC with each bin as one tie group: a positive beats every negative in a lower bin and a
   * pair in the same bin counts 1/2. NaN if there are no positives or no negatives.
   */
  public double rocAuc() {
    long totalPositives = positiveCount();
    long totalNegatives = negativeCount();
    if (totalPositives == 0 || totalNegatives == 0) {
      return Double.NaN;
    }
    double pairsWon = 0;
    long negativesBelow = 0;
    for (int b = 0; b < positives.length; b++) {
      pairsWon += positives[b] * (negativesBelow + 0.5 * negatives[b]);
      negativesBelow += negatives[b];
    }
    return pairsWon / ((double) totalPositives * totalNegatives);
  }

  /**
   * Average precision with each bin as one tie group and thresholds taken from the highest bin
   * down (see {@link BinaryMetrics#prAuc}). NaN if there are no positives or no negatives.
   */
  public double prAuc() {
    long totalPositives = positiveCount();
    long totalNegatives = negativeCount();
    if (totalPositives == 0 || totalNegatives == 0) {
      return Double.NaN;
    }
    long truePositives = 0;
    long falsePositives = 0;
    double ap = 0;
    for (int b = positives.length - 1; b >= 0; b--) {
      truePositives += positives[b];
      falsePositives += negatives[b];
      if (positives[b] > 0) {
        double precision = (double) truePositives / (truePositives + falsePositives);
        ap += precision * positives[b] / totalPositives;
      }
    }
    return ap;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ScoreHistogram other
        && Arrays.equals(positives, other.positives)
        && Arrays.equals(negatives, other.negatives);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(positives) + Arrays.hashCode(negatives);
  }

  @Override
  public String toString() {
    return "ScoreHistogram[bins=" + bins() + ", positives=" + positiveCount()
        + ", negatives=" + negativeCount() + "]";
  }
}
