package io.factoryfl.participant.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.factoryfl.core.metrics.BinaryMetrics;
import io.factoryfl.core.model.MlpTemplate;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.task.ClassificationTask;
import io.factoryfl.core.task.EvaluationMetrics;
import io.factoryfl.core.task.EvaluationSums;
import io.factoryfl.core.task.LabelClip;
import io.factoryfl.core.task.LabelScale;
import io.factoryfl.core.task.RegressionTask;
import io.factoryfl.participant.data.EncodedData;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LocalEvaluatorTest {

  private static final ModelDefinition MODEL =
      ModelDefinition.fromJson(MlpTemplate.configurationJson(8, List.of(16, 8), 2, 1e-3, 11));

  private static final ClassificationTask BINARY = new ClassificationTask(List.of("0", "1"), 10, List.of());

  @Test
  void evaluate_withAllZeroParametersPredictsOneHalfForEveryExample() {
    EncodedData data = SyntheticData.make(300, 8, 2);
    long negatives = Arrays.stream(data.labels()).filter(label -> label == 0).count();
    EvaluationSums sums = LocalEvaluator.evaluate(MODEL, new float[(int) MODEL.numParameters()], data, BINARY);

    assertEquals(300, sums.numExamples());
    assertEquals(300 * Math.log(2), sums.lossSum(), 1e-4);
    EvaluationMetrics metrics = BINARY.metrics(sums);
    // a tie between the two classes is predicted as the first class
    assertEquals((double) negatives / 300, metrics.get("accuracy"), 1e-12);
    assertArrayEquals(new long[][] {{negatives, 0}, {300 - negatives, 0}}, metrics.confusion());
    // log-odds 0 sit in the middle bin of the positive class's histogram
    long[] counts = sums.counts();
    assertEquals(300 - negatives, counts[4 + 5]);
    assertEquals(negatives, counts[4 + 10 + 5]);
  }

  @Test
  void evaluate_ofTwoPartsMergesIntoEvaluateOfTheWhole() {
    EncodedData data = SyntheticData.make(1000, 8, 3);
    float[] params = LocalTrainer.train(MODEL, MODEL.initialParameters(), data,
        new TrainingSettings(2, 32, 1e-2, 1)).parameters();
    ClassificationTask task = new ClassificationTask(List.of("0", "1"), 100, List.of());
    EvaluationSums whole = LocalEvaluator.evaluate(MODEL, params, data, task);
    EvaluationSums merged =
        LocalEvaluator.evaluate(MODEL, params, data.subset(IntStream.range(0, 400).toArray()), task)
            .merge(LocalEvaluator.evaluate(MODEL, params, data.subset(IntStream.range(400, 1000).toArray()), task));
    assertEquals(whole.numExamples(), merged.numExamples());
    assertArrayEquals(whole.counts(), merged.counts());
    assertEquals(whole.lossSum(), merged.lossSum(), 1e-6 * whole.lossSum());
  }

  @Test
  void evaluate_ofARegressor_scoresInLabelUnits() {
    ModelDefinition regressor = ModelDefinition.fromJson(MlpTemplate.configurationJson(2, List.of(),
        new RegressionTask(LabelClip.NONE, "mse"), 1e-2, 3));
    // one dense layer 2 -> 1 with weights (0, 0) and bias 0: every output is 0, i.e. the mean label
    float[] zero = new float[(int) regressor.numParameters()];
    EncodedData data = new EncodedData(new float[][] {{1, 2}, {3, 4}}, new double[] {90, 110}, 0,
        new LabelScale(100, 10));
    RegressionTask task = new RegressionTask(LabelClip.NONE, "mse");
    EvaluationMetrics metrics = task.metrics(LocalEvaluator.evaluate(regressor, zero, data, task));
    assertEquals(10, metrics.get("rmse"), 1e-9);
    assertEquals(10, metrics.get("mae"), 1e-9);
    assertEquals(0, metrics.get("r2"), 1e-9);
    assertEquals(1, metrics.get("loss"), 1e-9, "squared error in standardised units");
  }

  @Test
  void predictPositive_agreesAcrossForwardPassChunks() {
    // more rows than one forward-pass chunk, so the last rows come from a second pass
    EncodedData data = SyntheticData.make(9000, 8, 4);
    float[] params = MODEL.initialParameters();
    double[] all = LocalEvaluator.positiveLogOdds(MODEL, params, data);
    double[] tail = LocalEvaluator.positiveLogOdds(
        MODEL, params, data.subset(IntStream.range(8900, 9000).toArray()));
    assertArrayEquals(tail, Arrays.copyOfRange(all, 8900, 9000), 1e-6);
  }

  @Test
  void predictPositive_ofTrainedModelRanksPositivesHigh() {
    EncodedData data = SyntheticData.make(1000, 8, 6);
    float[] params = LocalTrainer.train(MODEL, MODEL.initialParameters(), data,
        new TrainingSettings(5, 32, 1e-2, 1)).parameters();
    double[] scores = LocalEvaluator.positiveLogOdds(MODEL, params, data);
    boolean[] positive = new boolean[data.size()];
    for (int i = 0; i < positive.length; i++) {
      positive[i] = data.label(i) == 1;
    }
    double auc = BinaryMetrics.rocAuc(scores, positive);
    assertEquals(1.0, auc, 0.03, "ROC-AUC " + auc);
  }
}
