package io.factoryfl.core.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RegressionTaskTest {
  @Test
  void metricsOfMergedSites_equalRmseMaeAndR2OfTheUnion_inLabelUnitsAfterClipping() {
    RegressionTask task = new RegressionTask(new LabelClip(null, 125.0), "mse");
    LabelScale scale = new LabelScale(80, 30);
    SplittableRandom random = new SplittableRandom(3);
    TaskFamily.Scoring a = task.newScoring(scale);
    TaskFamily.Scoring b = task.newScoring(scale);
    int n = 5_000;
    double sse = 0;
    double sae = 0;
    double[] ys = new double[n];
    double meanY = 0;
    for (int i = 0; i < n; i++) {
      double label = random.nextDouble() * 200;
      double y = Math.min(125, label);
      float output = (float) ((y + random.nextGaussian() * 10 - 80) / 30);
      double prediction = output * 30.0 + 80;
      sse += (prediction - y) * (prediction - y);
      sae += Math.abs(prediction - y);
      ys[i] = y;
      meanY += y / n;
      (i % 2 == 0 ? a : b).add(new float[] {output}, label);
    }
    double sst = 0;
    for (double y : ys) {
      sst += (y - meanY) * (y - meanY);
    }
    EvaluationSums merged = a.sums().merge(b.sums());
    task.check(merged);
    EvaluationMetrics metrics = task.metrics(merged);
    assertEquals(Math.sqrt(sse / n), metrics.get("rmse"), 1e-9);
    assertEquals(sae / n, metrics.get("mae"), 1e-9);
    assertEquals(1 - sse / sst, metrics.get("r2"), 1e-9);
    assertTrue(metrics.get("loss") > 0);
  }

  @Test
  void check_refusesImpossibleSums() {
    RegressionTask task = new RegressionTask(new LabelClip(0.0, 125.0), "mae");
    assertThrows(IllegalArgumentException.class,
        () -> task.check(new EvaluationSums(2, 1, new long[0], new double[] {-1, 1, 2, 2})));
    IllegalArgumentException cauchy = assertThrows(IllegalArgumentException.class,
        () -> task.check(new EvaluationSums(2, 1, new long[0], new double[] {10, 1, 2, 2})));
    assertTrue(cauchy.getMessage().contains("squared mean"), cauchy.getMessage());
    IllegalArgumentException clipped = assertThrows(IllegalArgumentException.class,
        () -> task.check(new EvaluationSums(2, 1, new long[0], new double[] {1, 1, 400, 80_000})));
    assertTrue(clipped.getMessage().contains("[0.0, 125.0]"), clipped.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> task.check(new EvaluationSums(2, 1, new long[] {1}, new double[] {1, 1, 2, 2})));
  }

  @Test
  void onlyKnownLossesAndOrderedClipsAreAccepted() {
    assertThrows(IllegalArgumentException.class, () -> new RegressionTask(LabelClip.NONE, "quantile"));
    assertThrows(IllegalArgumentException.class, () -> new LabelClip(5.0, 5.0));
    assertEquals(125, new LabelClip(null, 125.0).apply(300), 0);
  }
}
