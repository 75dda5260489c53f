package io.factoryfl.core.metrics;

import java.util.Arrays;
import java.util.Objects;

/**
 * Exact ranking metrics of a binary classifier from per-example scores.
 *
 * <p>Both metrics are computed by sorting, in O(n log n). Examples with equal scores form one tie
 * group: they are ranked together, as scikit-learn does. When only one class is present the
 * metrics are undefined and {@code NaN} is returned.
 */
public final class BinaryMetrics {

  private BinaryMetrics() {}

  /**
   * Area under the ROC curve: the probability that a random positive scores above a random
   * negative, a tied pair counting 1/2 (equals scikit-learn's {@code roc_auc_score}).
   *
   * @return the AUC in [0, 1], or NaN if there are no positives or no negatives
   * @throws IllegalArgumentException if the arrays differ in length or a score is NaN
   */
  public static double rocAuc(double[] scores, boolean[] positive) {
    Split split = Split.of(scores, positive);
    if (split.isDegenerate()) {
      return Double.NaN;
    }
    double[] pos = split.positives;
    double[] neg = split.negatives;
    // Walk both ascending arrays group by group; each positive beats every lower negative
    // and half-beats every tied negative.
    double pairsWon = 0;
    int i = 0;
    int j = 0;
    while (i < pos.length) {
      double v = pos[i];
      while (j < neg.length && neg[j] < v) {
        j++;
      }
      int tiedNeg = 0;
      while (j + tiedNeg < neg.length && neg[j + tiedNeg] == v) {
        tiedNeg++;
      }
      int tiedPos = 0;
      while (i < pos.length && pos[i] == v) {
        tiedPos++;
        i++;
      }
      pairsWon += tiedPos * (j + 0.5 * tiedNeg);
    }
    return pairsWon / ((double) pos.length * neg.length);
  }

  /**
   * Average precision, scikit-learn's {@code average_precision_score}: {@code sum_k (R_k -
   * R_{k-1}) P_k} over the distinct score thresholds from high to low, where {@code P_k} and
   * {@code R_k} are the precision and recall of predicting positive for all scores {@code >=} the
   * k-th threshold. No interpolation.
   *
   * @return the average precision in [0, 1], or NaN if there are no positives or no negatives
   * @throws IllegalArgumentException if the arrays differ in length or a score is NaN
   */
  public static double prAuc(double[] scores, boolean[] positive) {
    Split split = Split.of(scores, positive);
    if (split.isDegenerate()) {
      return Double.NaN;
    }
    double[] pos = split.positives;
    double[] neg = split.negatives;
    int i = pos.length - 1;
    int j = neg.length - 1;
    long truePositives = 0;
    long falsePositives = 0;
    double ap = 0;
    // Walk both arrays from the highest score down, one distinct threshold at a time.
    while (i >= 0) {
      double v = Math.max(pos[i], j >= 0 ? neg[j] : Double.NEGATIVE_INFINITY);
      long newTruePositives = 0;
      while (i >= 0 && pos[i] == v) {
        newTruePositives++;
        i--;
      }
      while (j >= 0 && neg[j] == v) {
        falsePositives++;
        j--;
      }
      if (newTruePositives > 0) {
        truePositives += newTruePositives;
        double precision = (double) truePositives / (truePositives + falsePositives);
        ap += precision * newTruePositives / pos.length;
      }
    }
    return ap;
  }

  /** Scores separated by class and sorted ascending; -0.0 is folded into 0.0. */
  private record Split(double[] positives, double[] negatives) {

    static Split of(double[] scores, boolean[] positive) {
      Objects.requireNonNull(scores, "scores must not be null");
      Objects.requireNonNull(positive, "positive must not be null");
      if (scores.length != positive.length) {
        throw new IllegalArgumentException(
            "scores and positive must have equal length, were "
                + scores.length + " and " + positive.length);
      }
      int numPositive = 0;
      for (boolean p : positive) {
        if (p) {
          numPositive++;
        }
      }
      double[] pos = new double[numPositive];
      double[] neg = new double[scores.length - numPositive];
      int p = 0;
      int n = 0;
      for (int k = 0; k < scores.length; k++) {
        if (Double.isNaN(scores[k])) {
          throw new IllegalArgumentException("scores[" + k + "] is NaN");
        }
        if (positive[k]) {
          pos[p++] = scores[k] + 0.0;
        } else {
          neg[n++] = scores[k] + 0.0;
        }
      }
      Arrays.sort(pos);
      Arrays.sort(neg);
      return new Split(pos, neg);
    }

    boolean isDegenerate() {
      return positives.length == 0 || negatives.length == 0;
    }
  }
}
