package io.factoryfl.core.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.task.LabelClip;
import io.factoryfl.core.task.TaskKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The job spec's task fields: task, dataset.label_clip, training.class_weights, training.loss. */
class TaskSpecParserTest {
  private static String spec(String top, String dataset, String training) {
    return """
        {"name": "rul", "model": {"template": "mlp", "hidden_layers": [8]},
         "dataset": {"name": "turbofan", "numeric_features": ["s1", "s2"], "label": "rul"%s},
         "training": {"local_epochs": 1%s}%s}""".formatted(dataset, training, top);
  }

  private static void assertRefused(String json, String field, String... words) {
    InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class, () -> JobSpecParser.parse(json));
    assertEquals(field, e.field(), e.getMessage());
    for (String word : words) {
      assertTrue(e.getMessage().contains(word), e.getMessage());
    }
  }

  @Test
  void regression_withAClipAndMae_resolvesToOneLinearOutput() {
    JobSpec spec = JobSpecParser.parse(spec(", \"task\": \"regression\"", ", \"label_clip\": {\"max\": 125}",
        ", \"loss\": \"mae\""));
    assertEquals(TaskKind.REGRESSION, spec.task().kind());
    assertEquals(new LabelClip(null, 125.0), spec.task().clip());
    assertEquals("mae", spec.task().regressionLoss());
    assertEquals(List.of(), spec.schema().labelClasses());
    ModelDefinition model = ModelDefinition.fromJson(spec.modelConfigurationJson());
    assertEquals(1, model.numOutputs());
    assertTrue(spec.modelConfigurationJson().contains("LossL1"), "the mae loss is in the model");
  }

  @Test
  void theTaskIsInferredFromTheClasses_andClassWeightsGoIntoTheLoss() {
    JobSpec binary = JobSpecParser.parse(spec("", "", ""));
    assertEquals(TaskKind.BINARY, binary.task().kind());
    JobSpec multi = JobSpecParser.parse(spec("", ", \"label_classes\": [\"a\", \"b\", \"c\"]",
        ", \"class_weights\": {\"a\": 1, \"b\": 2, \"c\": 0.5}"));
    assertEquals(TaskKind.MULTICLASS, multi.task().kind());
    assertEquals(List.of(1.0, 2.0, 0.5), multi.task().classWeights());
    assertEquals(3, ModelDefinition.fromJson(multi.modelConfigurationJson()).numOutputs());
    assertTrue(multi.modelConfigurationJson().contains("weights"), multi.modelConfigurationJson());
  }

  @Test
  void eachTaskFieldIsRefusedWhereItDoesNotBelong_namingFieldValueAndWhatIsAllowed() {
    assertRefused(spec(", \"task\": \"ranking\"", "", ""), "task", "\"ranking\"", "binary", "regression");
    assertRefused(spec(", \"task\": \"regression\"", ", \"label_classes\": [\"0\", \"1\"]", ""),
        "dataset.label_classes", "regression label is a number");
    assertRefused(spec(", \"task\": \"binary\"", ", \"label_classes\": [\"a\", \"b\", \"c\"]", ""),
        "dataset.label_classes", "lists 3 classes", "\"binary\"");
    assertRefused(spec(", \"task\": \"multiclass\"", "", ""), "dataset.label_classes", "lists 2 classes");
    assertRefused(spec("", ", \"label_clip\": {\"max\": 125}", ""), "dataset.label_clip", "binary task");
    assertRefused(spec(", \"task\": \"regression\"", ", \"label_clip\": {}", ""), "dataset.label_clip",
        "\"min\", \"max\" or both");
    assertRefused(spec(", \"task\": \"regression\"", ", \"label_clip\": {\"min\": 5, \"max\": 1}", ""),
        "dataset.label_clip", "min 5.0 and max 1.0");
    assertRefused(spec(", \"task\": \"regression\"", ", \"label_clip\": {\"max\": \"high\"}", ""),
        "dataset.label_clip.max", "finite number");
    assertRefused(spec(", \"task\": \"regression\"", "", ", \"loss\": \"quantile\""), "training.loss",
        "\"quantile\"", "[mse, mae, huber]");
    assertRefused(spec("", "", ", \"loss\": \"mse\""), "training.loss", "is for regression");
    assertRefused(spec(", \"task\": \"regression\"", "", ", \"class_weights\": {\"0\": 1}"),
        "training.class_weights", "regression task has none");
    assertRefused(spec("", "", ", \"class_weights\": {\"0\": 1}"), "training.class_weights",
        "no weight for class \"1\"");
    assertRefused(spec("", "", ", \"class_weights\": {\"0\": 1, \"1\": 2, \"2\": 3}"), "training.class_weights",
        "\"2\", which is not one of");
    assertRefused(spec("", "", ", \"class_weights\": {\"0\": 1, \"1\": -2}"), "training.class_weights.1",
        "was -2", "greater than 0");
    assertRefused(spec("", "", ", \"class_weights\": [1, 2]"), "training.class_weights", "must be an object");
    assertRefused(spec("", ", \"missing_values\": \"zero\"", ""), "dataset.missing_values", "\"zero\"",
        "\"refuse\"", "\"impute_mean\"");
    assertEquals(io.factoryfl.core.data.MissingValues.IMPUTE_MEAN,
        JobSpecParser.parse(spec("", ", \"missing_values\": \"impute_mean\"", "")).schema().missingValues());
    assertEquals(io.factoryfl.core.data.MissingValues.REFUSE, JobSpecParser.parse(spec("", "", "")).schema().missingValues());
  }
}
