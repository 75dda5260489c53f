package io.factoryfl.core.metrics;

import java.util.Arrays;
import java.util.Objects;

/**
 * Counts of positive and negative examples per score bin: {@code bins} equal-width bins over the
 * predicted positive-class <em>log-odds</em> {@code ln(p / (1 - p))} in {@code [-RANGE, RANGE]}
 * (scores beyond are counted in the end bins). Bins in log-odds keep confident predictions apart:
 * with bins in probability, every negative at p = 1e-5 and every one at p = 1e-9 would share the
 * lowest bin of a rare-failure task, and the ROC-AUC computed from such ties was off by 0.01; in
 * log-odds they are 9 units, over a thousand bins, apart.
 *
 * <p>Histograms from several sites {@link #merge merge} exactly, and the ROC-AUC and average
 * precision computed from the merged histogram approximate the exact metrics of the pooled scores
 * (each bin acts as one group of tied scores), so a federation can report global ranking metrics
 * without collecting per-example scores.
 *
 * <p>Mutable accumulator: {@link #add} and {@link #merge} change this instance. Not thread-safe.
 */
public final class ScoreHistogram {

  /** Log-odds beyond +-RANGE share the end bins: p within e^-32 (about 1e-14) of 0 or 1. */
  public static final double RANGE = 32;

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
   * @param logOdds predicted log-odds of the positive class ({@link #logOdds}); infinities count in
   *     the end bins
   * @param positive whether the example is actually positive
   * @throws IllegalArgumentException if the log-odds are NaN
   */
  public void add(double logOdds, boolean positive) {
    if (Double.isNaN(logOdds)) {
      throw new IllegalArgumentException("log-odds must be a number, was NaN");
    }
    double clamped = Math.max(-RANGE, Math.min(RANGE, logOdds));
    int bin = Math.min(positives.length - 1, (int) ((clamped + RANGE) / (2 * RANGE) * positives.length));
    if (positive) {
      positives[bin]++;
    } else {
      negatives[bin]++;
    }
  }

  /**
   * The log-odds of class {@code c} from a probability vector: {@code ln p_c - ln(sum of the
   * others)}, each side floored at the smallest positive float, so that a float32 softmax's
   * confident outputs keep their order (1 - p would round to 0 near p = 1).
   */
  public static double logOdds(float[] probabilities, int c) {
    double others = 0;
    for (int j = 0; j < probabilities.length; j++) {
      if (j != c) {
        others += probabilities[j];
      }
    }
    return Math.log(Math.max(Float.MIN_VALUE, probabilities[c])) - Math.log(Math.max(Float.MIN_VALUE, others));
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
   * The largest difference between {@link #rocAuc} and the exact ROC-AUC of the scores that were
   * counted: only pairs of a positive and a negative in the same bin can be ordered either way,
   * and each counts 1/2 here, so the error is at most {@code sum_b pos_b neg_b / (2 P N)}. NaN if
   * there are no positives or no negatives.
   */
  public double rocAucErrorBound() {
    long totalPositives = positiveCount();
    long totalNegatives = negativeCount();
    if (totalPositives == 0 || totalNegatives == 0) {
      return Double.NaN;
    }
    double tied = 0;
    for (int b = 0; b < positives.length; b++) {
      tied += (double) positives[b] * negatives[b];
    }
    return tied / (2.0 * totalPositives * totalNegatives);
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
