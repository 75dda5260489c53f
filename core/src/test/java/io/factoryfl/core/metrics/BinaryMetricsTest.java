package io.factoryfl.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BinaryMetricsTest {

  // scikit-learn's docstring example: roc_auc 0.75, average_precision 0.8333...
  private static final double[] SCORES = {0.1, 0.4, 0.35, 0.8};
  private static final boolean[] LABELS = {false, false, true, true};

  @Test
  void rocAuc_matchesHandComputedExample() {
    assertEquals(0.75, BinaryMetrics.rocAuc(SCORES, LABELS), 1e-12);
  }

  @Test
  void prAuc_matchesHandComputedExample() {
    // thresholds 0.8: P=1 R=.5; 0.4: P=2/3 R=.5; 0.35: P=2/3 R=1 -> .5*1 + .5*2/3
    assertEquals(0.5 + 0.5 * 2.0 / 3.0, BinaryMetrics.prAuc(SCORES, LABELS), 1e-12);
  }

  @Test
  void rocAuc_countsTiedPairsAsHalf() {
    double[] scores = {0.2, 0.5, 0.5, 0.9};
    boolean[] labels = {false, true, false, true};
    // positive 0.5 beats 0.2 and ties 0.5; positive 0.9 beats both: (1 + .5 + 2) / 4
    assertEquals(0.875, BinaryMetrics.rocAuc(scores, labels), 1e-12);
    assertEquals(0.5, BinaryMetrics.rocAuc(new double[] {0.3, 0.3}, new boolean[] {true, false}));
  }

  @Test
  void prAuc_treatsTiedScoresAsOneThreshold() {
    double[] scores = {0.2, 0.5, 0.5, 0.9};
    boolean[] labels = {false, true, false, true};
    // 0.9: P=1 R=.5; {0.5, 0.5} together: P=2/3 R=1
    assertEquals(0.5 + 0.5 * 2.0 / 3.0, BinaryMetrics.prAuc(scores, labels), 1e-12);
    // if the tie were broken positive-first this would be 1.0
    assertEquals(0.5, BinaryMetrics.prAuc(new double[] {0.3, 0.3}, new boolean[] {true, false}));
  }

  @Test
  void metrics_areNaNWithOnlyOneClass() {
    double[] scores = {0.1, 0.7};
    assertTrue(Double.isNaN(BinaryMetrics.rocAuc(scores, new boolean[] {true, true})));
    assertTrue(Double.isNaN(BinaryMetrics.prAuc(scores, new boolean[] {false, false})));
    assertTrue(Double.isNaN(BinaryMetrics.rocAuc(new double[0], new boolean[0])));
  }

  @Test
  void metrics_agreeWithBruteForceOnRandomDataWithTies() {
    SplittableRandom random = new SplittableRandom(42);
    for (int trial = 0; trial < 20; trial++) {
      int n = 1 + random.nextInt(300);
      double[] scores = new double[n];
      boolean[] labels = new boolean[n];
      for (int i = 0; i < n; i++) {
        labels[i] = random.nextDouble() < 0.3;
        // coarse rounding creates many ties; positives score a bit higher on average
        scores[i] = Math.round((random.nextDouble() + (labels[i] ? 0.3 : 0)) * 10) / 10.0;
      }
      assertEquals(bruteForceRocAuc(scores, labels), BinaryMetrics.rocAuc(scores, labels), 1e-12);
      assertEquals(bruteForceAp(scores, labels), BinaryMetrics.prAuc(scores, labels), 1e-12);
    }
  }

  @Test
  void metrics_rejectMismatchedLengthsAndNaN() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BinaryMetrics.rocAuc(new double[3], new boolean[2]));
    assertTrue(e.getMessage().contains("3 and 2"), e.getMessage());
    IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
        () -> BinaryMetrics.prAuc(new double[] {0.1, Double.NaN}, new boolean[] {true, false}));
    assertTrue(nan.getMessage().contains("scores[1]"), nan.getMessage());
  }

  private static double bruteForceRocAuc(double[] scores, boolean[] labels) {
    double won = 0;
    long pairs = 0;
    for (int i = 0; i < scores.length; i++) {
      for (int j = 0; j < scores.length; j++) {
        if (labels[i] && !labels[j]) {
          pairs++;
          won += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
        }
      }
    }
    return pairs == 0 ? Double.NaN : won / pairs;
  }

  /** Average precision straight from the definition: one threshold per distinct score. */
  private static double bruteForceAp(double[] scores, boolean[] labels) {
    long positives = 0;
    for (boolean label : labels) {
      positives += label ? 1 : 0;
    }
    if (positives == 0 || positives == labels.length) {
      return Double.NaN;
    }
    double[] thresholds = java.util.Arrays.stream(scores).distinct().sorted().toArray();
    double ap = 0;
    double previousRecall = 0;
    for (int t = thresholds.length - 1; t >= 0; t--) {
      long tp = 0;
      long predicted = 0;
      for (int i = 0; i < scores.length; i++) {
        if (scores[i] >= thresholds[t]) {
          predicted++;
          tp += labels[i] ? 1 : 0;
        }
      }
      double recall = (double) tp / positives;
      ap += (recall - previousRecall) * tp / predicted;
      previousRecall = recall;
    }
    return ap;
  }
}
