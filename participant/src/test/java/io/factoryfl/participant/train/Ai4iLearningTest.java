package io.factoryfl.participant.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.FeatureSchema.CategoricalColumn;
import io.factoryfl.core.data.Normalization;
import io.factoryfl.core.metrics.BinaryMetrics;
import io.factoryfl.core.model.MlpTemplate;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.task.ClassificationTask;
import io.factoryfl.core.task.EvaluationMetrics;
import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.participant.data.EncodedData;
import io.factoryfl.participant.data.TabularEncoder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** End to end on the real AI4I 2020 data: a site's pipeline learns to predict machine failure. */
class Ai4iLearningTest {

  private static final Path DATASET =
      Path.of("..", "simulation", "src", "main", "resources", "datasets", "ai4i2020.csv");

  static final FeatureSchema SCHEMA = new FeatureSchema(
      List.of("Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]",
          "Torque [Nm]", "Tool wear [min]"),
      List.of(new CategoricalColumn("Type", List.of("L", "M", "H"))),
      "Machine failure",
      List.of("0", "1"));

  @Test
  void mlp_trainedOnEightyPercent_ranksHeldOutFailuresWell() {
    CsvTable table = CsvTable.read(DATASET);
    int[] order = shuffledIndices(table.rows(), new SplittableRandom(2020));
    int trainRows = table.rows() * 8 / 10;
    CsvTable train = table.select(Arrays.copyOfRange(order, 0, trainRows));
    CsvTable test = table.select(Arrays.copyOfRange(order, trainRows, table.rows()));

    Normalization normalization = TabularEncoder.stats(train, SCHEMA).toNormalization();
    EncodedData trainData = TabularEncoder.encode(train, SCHEMA, normalization);
    EncodedData testData = TabularEncoder.encode(test, SCHEMA, normalization);
    ModelDefinition model = ModelDefinition.fromJson(MlpTemplate.configurationJson(
        SCHEMA.numInputs(), List.of(64, 32), SCHEMA.numClasses(), 3e-3, 42));

    TrainingOutcome outcome = LocalTrainer.train(model, model.initialParameters(), trainData,
        new TrainingSettings(20, 64, 3e-3, 7));
    double[] scores = LocalEvaluator.positiveLogOdds(model, outcome.parameters(), testData);
    boolean[] failed = new boolean[testData.size()];
    for (int i = 0; i < failed.length; i++) {
      failed[i] = testData.label(i) == 1;
    }
    double rocAuc = BinaryMetrics.rocAuc(scores, failed);
    double prAuc = BinaryMetrics.prAuc(scores, failed);
    ClassificationTask task = new ClassificationTask(SCHEMA.labelClasses(), 10_000, List.of());
    EvaluationMetrics evaluation =
        task.metrics(LocalEvaluator.evaluate(model, outcome.parameters(), testData, task));
    System.out.printf("ai4i2020 held-out: ROC-AUC %.4f, PR-AUC %.4f, histogram ROC-AUC %.4f,"
            + " accuracy %.4f, test loss %.4f, last-epoch train loss %.4f%n",
        rocAuc, prAuc, evaluation.get("roc_auc"), evaluation.get("accuracy"),
        evaluation.get("loss"), outcome.trainLoss());
    assertEquals(rocAuc, evaluation.get("roc_auc"), 1e-3, "the federated metric is the exact one within 0.001");

    assertTrue(rocAuc > 0.90, "held-out ROC-AUC " + rocAuc);
    // failures are 3.4% of rows: a model that learned nothing has PR-AUC near 0.034
    assertTrue(prAuc > 0.4, "held-out PR-AUC " + prAuc);
  }

  private static int[] shuffledIndices(int n, SplittableRandom random) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }
}
