package io.factoryfl.participant.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.factoryfl.core.metrics.BinaryMetrics;
import io.factoryfl.core.model.MlpTemplate;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.participant.data.EncodedData;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LocalEvaluatorTest {

  private static final ModelDefinition MODEL =
      ModelDefinition.fromJson(MlpTemplate.configurationJson(8, List.of(16, 8), 2, 1e-3, 11));

  @Test
  void evaluate_withAllZeroParametersPredictsOneHalfForEveryExample() {
    EncodedData data = SyntheticData.make(300, 8, 2);
    long negatives = Arrays.stream(data.labels()).filter(label -> label == 0).count();
    EvaluationOutcome outcome = LocalEvaluator.evaluate(
        MODEL, new float[(int) MODEL.numParameters()], data, 10);

    assertEquals(300, outcome.numExamples());
    assertEquals(300 * Math.log(2), outcome.lossSum(), 1e-4);
    // a tie between the two classes is predicted as the first class
    assertEquals(negatives, outcome.correct());
    long[] positives = new long[10];
    long[] negativesPerBin = new long[10];
    positives[5] = 300 - negatives;
    negativesPerBin[5] = negatives;
    assertArrayEquals(positives, outcome.histogram().positives());
    assertArrayEquals(negativesPerBin, outcome.histogram().negatives());
  }

  @Test
  void evaluate_ofTwoPartsMergesIntoEvaluateOfTheWhole() {
    EncodedData data = SyntheticData.make(1000, 8, 3);
    float[] params = LocalTrainer.train(MODEL, MODEL.initialParameters(), data,
        new TrainingSettings(2, 32, 1e-2, 1)).parameters();
    EvaluationOutcome whole = LocalEvaluator.evaluate(MODEL, params, data, 100);
    EvaluationOutcome merged =
        LocalEvaluator.evaluate(MODEL, params, data.subset(IntStream.range(0, 400).toArray()), 100)
            .merge(LocalEvaluator.evaluate(
                MODEL, params, data.subset(IntStream.range(400, 1000).toArray()), 100));
    assertEquals(whole.numExamples(), merged.numExamples());
    assertEquals(whole.correct(), merged.correct());
    assertEquals(whole.histogram(), merged.histogram());
    assertEquals(whole.lossSum(), merged.lossSum(), 1e-6 * whole.lossSum());
  }

  @Test
  void predictPositive_agreesAcrossForwardPassChunks() {
    // more rows than one forward-pass chunk, so the last rows come from a second pass
    EncodedData data = SyntheticData.make(9000, 8, 4);
    float[] params = MODEL.initialParameters();
    double[] all = LocalEvaluator.predictPositive(MODEL, params, data);
    double[] tail = LocalEvaluator.predictPositive(
        MODEL, params, data.subset(IntStream.range(8900, 9000).toArray()));
    assertArrayEquals(tail, Arrays.copyOfRange(all, 8900, 9000), 1e-6);
  }

  @Test
  void predictPositive_ofTrainedModelRanksPositivesHigh() {
    EncodedData data = SyntheticData.make(1000, 8, 6);
    float[] params = LocalTrainer.train(MODEL, MODEL.initialParameters(), data,
        new TrainingSettings(5, 32, 1e-2, 1)).parameters();
    double[] scores = LocalEvaluator.predictPositive(MODEL, params, data);
    boolean[] positive = new boolean[data.size()];
    for (int i = 0; i < positive.length; i++) {
      positive[i] = data.label(i) == 1;
    }
    double auc = BinaryMetrics.rocAuc(scores, positive);
    assertEquals(1.0, auc, 0.03, "ROC-AUC " + auc);
  }
}
