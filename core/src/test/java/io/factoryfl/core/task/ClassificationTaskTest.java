package io.factoryfl.core.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.metrics.BinaryMetrics;
import io.factoryfl.core.metrics.ScoreHistogram;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ClassificationTaskTest {
  private static float[] softmax(double... logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (double l : logits) {
      max = Math.max(max, l);
    }
    double sum = 0;
    double[] e = new double[logits.length];
    for (int i = 0; i < logits.length; i++) {
      e[i] = Math.exp(logits[i] - max);
      sum += e[i];
    }
    float[] p = new float[logits.length];
    for (int i = 0; i < logits.length; i++) {
      p[i] = (float) (e[i] / sum);
    }
    return p;
  }

  @Test
  void binary_metricsOverTwoSitesMerged_equalTheExactMetricsOfTheUnion() {
    ClassificationTask task = new ClassificationTask(List.of("0", "1"), 10_000, List.of());
    SplittableRandom random = new SplittableRandom(5);
    int n = 20_000;
    double[] scores = new double[n];
    boolean[] positive = new boolean[n];
    TaskFamily.Scoring a = task.newScoring(LabelScale.IDENTITY);
    TaskFamily.Scoring b = task.newScoring(LabelScale.IDENTITY);
    long tp = 0;
    long fp = 0;
    long correct = 0;
    for (int i = 0; i < n; i++) {
      positive[i] = random.nextDouble() < 0.04;
      double logit = positive[i] ? random.nextGaussian() * 3 - 2 : random.nextGaussian() * 3 - 9;
      float[] p = softmax(0, logit);
      scores[i] = ScoreHistogram.logOdds(p, 1);
      boolean predictedPositive = p[1] > p[0];
      tp += predictedPositive && positive[i] ? 1 : 0;
      fp += predictedPositive && !positive[i] ? 1 : 0;
      correct += predictedPositive == positive[i] ? 1 : 0;
      (i % 3 == 0 ? a : b).add(p, positive[i] ? 1 : 0);
    }
    EvaluationSums merged = a.sums().merge(b.sums());
    task.check(a.sums());
    task.check(merged);
    EvaluationMetrics metrics = task.metrics(merged);

    double exact = BinaryMetrics.rocAuc(scores, positive);
    assertEquals(exact, metrics.get("roc_auc"), metrics.get("roc_auc_error_bound"));
    assertEquals(exact, metrics.get("roc_auc"), 1e-3);
    assertEquals(BinaryMetrics.prAuc(scores, positive), metrics.get("pr_auc"), 5e-3);
    assertEquals((double) correct / n, metrics.get("accuracy"), 1e-12);
    assertEquals((double) tp / (tp + fp), metrics.get("precision"), 1e-12);
    assertEquals(n, metrics.numExamples());
    assertEquals(2, metrics.confusion().length);
  }

  @Test
  void multiclass_confusionMacroF1AndBalancedAccuracy_matchAHandComputedExample() {
    ClassificationTask task = new ClassificationTask(List.of("a", "b", "c"), 100, List.of());
    TaskFamily.Scoring scoring = task.newScoring(LabelScale.IDENTITY);
    // true a: predicted a, a, b; true b: predicted b; true c: predicted a, c
    int[][] examples = {{0, 0}, {0, 0}, {0, 1}, {1, 1}, {2, 0}, {2, 2}};
    for (int[] example : examples) {
      float[] p = new float[] {0.1f, 0.1f, 0.1f};
      p[example[1]] = 0.8f;
      scoring.add(p, example[0]);
    }
    EvaluationSums sums = scoring.sums();
    task.check(sums);
    EvaluationMetrics metrics = task.metrics(sums);

    assertArrayEquals(new long[][] {{2, 1, 0}, {0, 1, 0}, {1, 0, 1}}, metrics.confusion());
    assertEquals(4.0 / 6, metrics.get("accuracy"), 1e-12);
    // recall a 2/3, b 1, c 1/2; precision a 2/3, b 1/2, c 1
    assertEquals((2.0 / 3 + 1 + 0.5) / 3, metrics.get("balanced_accuracy"), 1e-12);
    double f1a = 2.0 * 2 / (3 + 3);
    double f1b = 2.0 * 1 / (1 + 2);
    double f1c = 2.0 * 1 / (2 + 1);
    assertEquals((f1a + f1b + f1c) / 3, metrics.get("macro_f1"), 1e-12);
    assertEquals(0.5, metrics.get("recall[c]"), 1e-12);
    assertEquals(0.5, metrics.get("precision[b]"), 1e-12);
  }

  @Test
  void multiclass_oneVsRestRocAuc_perClass_matchesTheExactValue() {
    ClassificationTask task = new ClassificationTask(List.of("x", "y", "z", "w"), 10_000, List.of());
    SplittableRandom random = new SplittableRandom(12);
    int n = 8_000;
    double[][] scores = new double[4][n];
    boolean[][] isClass = new boolean[4][n];
    TaskFamily.Scoring scoring = task.newScoring(LabelScale.IDENTITY);
    for (int i = 0; i < n; i++) {
      int label = random.nextInt(4);
      double[] logits = new double[4];
      for (int c = 0; c < 4; c++) {
        logits[c] = random.nextGaussian() * 2 + (c == label ? 2.5 : 0);
      }
      float[] p = softmax(logits);
      for (int c = 0; c < 4; c++) {
        scores[c][i] = ScoreHistogram.logOdds(p, c);
        isClass[c][i] = c == label;
      }
      scoring.add(p, label);
    }
    EvaluationMetrics metrics = task.metrics(scoring.sums());
    double macro = 0;
    for (int c = 0; c < 4; c++) {
      double exact = BinaryMetrics.rocAuc(scores[c], isClass[c]);
      macro += exact / 4;
      assertEquals(exact, metrics.get("roc_auc[" + List.of("x", "y", "z", "w").get(c) + "]"), 1e-3);
    }
    assertEquals(macro, metrics.get("macro_roc_auc"), 1e-3);
  }

  @Test
  void check_refusesSumsThatDoNotAddUp() {
    ClassificationTask task = new ClassificationTask(List.of("0", "1"), 4, List.of());
    TaskFamily.Scoring scoring = task.newScoring(LabelScale.IDENTITY);
    scoring.add(new float[] {0.9f, 0.1f}, 0);
    scoring.add(new float[] {0.2f, 0.8f}, 1);
    EvaluationSums honest = scoring.sums();
    task.check(honest);

    EvaluationSums moreExamples = new EvaluationSums(3, honest.lossSum(), honest.counts(), new double[0]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> task.check(moreExamples));
    assertTrue(e.getMessage().contains("confusion matrix counts 2 examples but num_examples was 3"), e.getMessage());

    long[] skewed = honest.counts();
    skewed[4 + 3] += 1; // one more positive in the histogram than the confusion matrix has
    skewed[4 + 4] -= 0;
    IllegalArgumentException histogram = assertThrows(IllegalArgumentException.class,
        () -> task.check(new EvaluationSums(2, honest.lossSum(), skewed, new double[0])));
    assertTrue(histogram.getMessage().contains("score histogram of class '1'"), histogram.getMessage());

    assertThrows(IllegalArgumentException.class,
        () -> task.check(new EvaluationSums(2, 0, new long[3], new double[0])));
  }

  @Test
  void classWeights_mustMatchTheClasses() {
    assertThrows(IllegalArgumentException.class, () -> new ClassificationTask(List.of("0", "1"), 10, List.of(1.0)));
    assertEquals(TaskKind.MULTICLASS, new ClassificationTask(List.of("a", "b", "c"), 10, List.of()).kind());
  }
}
