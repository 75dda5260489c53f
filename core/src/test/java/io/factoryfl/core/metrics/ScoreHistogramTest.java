package io.factoryfl.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ScoreHistogramTest {

  @Test
  void add_putsLogOddsIntoEqualWidthBins_andBeyondTheRangeIntoTheEndBins() {
    ScoreHistogram histogram = new ScoreHistogram(4);
    histogram.add(Double.NEGATIVE_INFINITY, true);
    histogram.add(-16, true);
    histogram.add(15.9, false);
    histogram.add(1e9, false);
    assertArrayEquals(new long[] {1, 1, 0, 0}, histogram.positives());
    assertArrayEquals(new long[] {0, 0, 1, 1}, histogram.negatives());
  }

  @Test
  void add_rejectsNaN() {
    ScoreHistogram histogram = new ScoreHistogram(10);
    assertThrows(IllegalArgumentException.class, () -> histogram.add(Double.NaN, true));
  }

  @Test
  void logOdds_keepConfidentFloatProbabilitiesApart() {
    // 1 - p rounds to 0 in float near p = 1; the other class's own probability does not
    assertEquals(Math.log(1e-9f) - Math.log(1f), ScoreHistogram.logOdds(new float[] {1f, 1e-9f}, 1), 1e-9);
    assertEquals(-ScoreHistogram.logOdds(new float[] {1f, 1e-9f}, 1), ScoreHistogram.logOdds(new float[] {1f, 1e-9f}, 0),
        1e-9);
    assertEquals(0.0, ScoreHistogram.logOdds(new float[] {0.2f, 0.3f, 0.5f}, 2), 1e-6);
  }

  @Test
  void confidentImbalancedPredictions_giveTheExactRocAucWithinItsReportedBound() {
    // A rare-failure task: negatives at p between 1e-9 and 1e-3, positives spread; with bins in
    // probability these negatives would all tie in the lowest bin.
    SplittableRandom random = new SplittableRandom(9);
    int n = 50_000;
    double[] scores = new double[n];
    boolean[] labels = new boolean[n];
    ScoreHistogram histogram = new ScoreHistogram(10_000);
    for (int i = 0; i < n; i++) {
      labels[i] = random.nextDouble() < 0.03;
      double logit = labels[i] ? random.nextGaussian() * 4 - 6 : random.nextDouble() * -14 - 7;
      scores[i] = logit;
      histogram.add(logit, labels[i]);
    }
    double exact = BinaryMetrics.rocAuc(scores, labels);
    assertEquals(exact, histogram.rocAuc(), histogram.rocAucErrorBound());
    assertTrue(histogram.rocAucErrorBound() < 1e-3, "bound " + histogram.rocAucErrorBound());
    assertEquals(exact, histogram.rocAuc(), 1e-3);
  }

  @Test
  void rocAucErrorBound_isHalfTheShareOfTiedPairs() {
    ScoreHistogram histogram = ScoreHistogram.of(new long[] {0, 1, 1}, new long[] {1, 1, 0});
    assertEquals(1.0 / (2 * 2 * 2), histogram.rocAucErrorBound(), 1e-12);
  }

  @Test
  void rocAuc_countsPairsInTheSameBinAsHalf() {
    ScoreHistogram histogram = ScoreHistogram.of(new long[] {0, 1, 1}, new long[] {1, 1, 0});
    // positive in bin 1: beats bin 0, ties bin 1 -> 1.5; positive in bin 2: beats both -> 2
    assertEquals(3.5 / 4, histogram.rocAuc(), 1e-12);
  }

  @Test
  void prAuc_treatsEachBinAsOneTieGroup() {
    ScoreHistogram histogram = ScoreHistogram.of(new long[] {0, 1, 1}, new long[] {1, 1, 0});
    // bin 2: P=1 R=.5; bin 1: P=2/3 R=1
    assertEquals(0.5 + 0.5 * 2.0 / 3.0, histogram.prAuc(), 1e-12);
  }

  @Test
  void metrics_areNaNWithOnlyOneClass() {
    ScoreHistogram histogram = ScoreHistogram.of(new long[] {3, 1}, new long[] {0, 0});
    assertTrue(Double.isNaN(histogram.rocAuc()));
    assertTrue(Double.isNaN(histogram.prAuc()));
  }

  @Test
  void fineHistogram_agreesWithExactMetricsOnRandomData() {
    SplittableRandom random = new SplittableRandom(2020);
    int n = 20_000;
    double[] scores = new double[n];
    boolean[] labels = new boolean[n];
    ScoreHistogram histogram = new ScoreHistogram(10_000);
    for (int i = 0; i < n; i++) {
      labels[i] = random.nextDouble() < 0.05;
      double logit = random.nextGaussian() + (labels[i] ? 2.0 : -1.5);
      scores[i] = 1 / (1 + Math.exp(-logit));
      histogram.add(logit, labels[i]);
    }
    assertEquals(BinaryMetrics.rocAuc(scores, labels), histogram.rocAuc(), 1e-3);
    assertEquals(BinaryMetrics.prAuc(scores, labels), histogram.prAuc(), 1e-3);
  }

  @Test
  void merge_equalsHistogramOfAllScores() {
    SplittableRandom random = new SplittableRandom(3);
    ScoreHistogram all = new ScoreHistogram(20);
    ScoreHistogram siteA = new ScoreHistogram(20);
    ScoreHistogram siteB = new ScoreHistogram(20);
    for (int i = 0; i < 500; i++) {
      double score = random.nextDouble() * 80 - 40;
      boolean positive = random.nextBoolean();
      all.add(score, positive);
      (i % 3 == 0 ? siteA : siteB).add(score, positive);
    }
    ScoreHistogram merged = new ScoreHistogram(20).merge(siteA).merge(siteB);
    assertEquals(all, merged);
    assertEquals(all.rocAuc(), merged.rocAuc());
  }

  @Test
  void merge_rejectsDifferentBinCounts() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ScoreHistogram(10).merge(new ScoreHistogram(20)));
    assertTrue(e.getMessage().contains("10 and 20"), e.getMessage());
  }

  @Test
  void of_rejectsNegativeCounts() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ScoreHistogram.of(new long[] {1, -1}, new long[] {0, 0}));
    assertTrue(e.getMessage().contains("bin 1"), e.getMessage());
  }

  @Test
  void count_overflowThrowsInsteadOfWrapping() {
    ScoreHistogram histogram = ScoreHistogram.of(new long[] {Long.MAX_VALUE, 1}, new long[] {0, 0});

    assertThrows(ArithmeticException.class, histogram::positiveCount);
    assertThrows(ArithmeticException.class, histogram::count);
  }
}
