package io.factoryfl.core.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.SequenceSpec;
import io.factoryfl.core.model.ModelDefinition;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The job spec's dataset.sequence and the sequence model templates lstm and cnn1d. */
class SequenceSpecParserTest {
  private static String spec(String model, String sequence) {
    return """
        {"name": "rul", "task": "regression", "model": %s,
         "dataset": {"name": "turbofan", "numeric_features": ["s1", "s2", "s3"], "label": "rul",
                     "label_clip": {"max": 125}%s}}""".formatted(model, sequence);
  }

  private static final String WINDOW = ", \"sequence\": {\"group\": \"unit\", \"order\": \"cycle\", \"window\": 30}";

  private static void assertRefused(String json, String field, String... words) {
    InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class, () -> JobSpecParser.parse(json));
    assertEquals(field, e.field(), e.getMessage());
    for (String word : words) {
      assertTrue(e.getMessage().contains(word), e.getMessage());
    }
  }

  @Test
  void aSequence_makesTheMlpReadTheFlatWindow() {
    JobSpec spec = JobSpecParser.parse(spec("{\"template\": \"mlp\", \"hidden_layers\": [16]}", WINDOW));
    assertEquals(Optional.of(new SequenceSpec("unit", "cycle", 30, SequenceSpec.EvalRows.ALL)), spec.sequence());
    assertEquals(90, spec.numInputs());
    assertEquals(90, ModelDefinition.fromJson(spec.modelConfigurationJson()).numInputs());
    assertEquals((90 + 1) * 16 + 17, JobSpecParser.parameterCount(spec));
  }

  @Test
  void lstmAndCnn1d_resolveToNetworksOverTheWindow_withTheirLayerSizes() {
    JobSpec lstm = JobSpecParser.parse(spec("{\"template\": \"lstm\", \"units\": [8, 4], \"hidden_layers\": [5]}",
        ", \"sequence\": {\"group\": \"unit\", \"order\": \"cycle\", \"window\": 10, \"eval_rows\": \"last\"}"));
    assertEquals(ModelSpec.lstm(List.of(8, 4), List.of(5)), lstm.model());
    assertEquals(SequenceSpec.EvalRows.LAST, lstm.sequence().orElseThrow().evalRows());
    ModelDefinition lstmModel = ModelDefinition.fromJson(lstm.modelConfigurationJson());
    assertEquals(30, lstmModel.numInputs());
    // LSTM params: 4 * (nIn * u + u * u + u) (DL4J's LSTM has no peepholes)
    long expected = 4L * (3 * 8 + 8 * 8 + 8) + 4L * (8 * 4 + 4 * 4 + 4) + (4 * 5 + 5) + (5 + 1);
    assertEquals(expected, lstmModel.numParameters());
    assertEquals(expected, JobSpecParser.parameterCount(lstm));

    JobSpec cnn = JobSpecParser.parse(spec("{\"template\": \"cnn1d\", \"filters\": [6], \"kernel\": 5}", WINDOW));
    assertEquals(ModelSpec.cnn1d(List.of(6), 5, List.of()), cnn.model());
    ModelDefinition cnnModel = ModelDefinition.fromJson(cnn.modelConfigurationJson());
    assertEquals(90, cnnModel.numInputs());
    assertEquals((3 * 5 * 6 + 6) + (6 * 30 + 1), cnnModel.numParameters());
    JobSpec defaultKernel = JobSpecParser.parse(spec("{\"template\": \"cnn1d\", \"filters\": [6]}", WINDOW));
    assertEquals(ModelSpec.DEFAULT_KERNEL, defaultKernel.model().kernel());
  }

  @Test
  void sequenceTemplatesWithoutASequence_areRefusedSayingWhatToAdd() {
    assertRefused(spec("{\"template\": \"lstm\", \"units\": [8]}", ""), "model.template", "\"lstm\"",
        "dataset.sequence", "\"mlp\"");
    assertRefused(spec("{\"template\": \"cnn1d\", \"filters\": [8]}", ""), "model.template", "\"cnn1d\"",
        "dataset.sequence");
    assertRefused(spec("{\"template\": \"gru\", \"units\": [8]}", WINDOW), "model.template", "\"gru\"",
        "[mlp, lstm, cnn1d, cnn]");
  }

  @Test
  void templateFields_areRefusedOnTheWrongTemplateOrWhenInvalid() {
    assertRefused(spec("{\"template\": \"mlp\", \"hidden_layers\": [8], \"units\": [4]}", WINDOW), "model.units",
        "lstm template", "\"mlp\"");
    assertRefused(spec("{\"template\": \"lstm\", \"units\": [4], \"kernel\": 3}", WINDOW), "model.kernel",
        "cnn1d template");
    assertRefused(spec("{\"template\": \"lstm\"}", WINDOW), "model.units", "non-empty list");
    assertRefused(spec("{\"template\": \"lstm\", \"units\": [0]}", WINDOW), "model.units[0]", "was 0",
        "between 1 and");
    assertRefused(spec("{\"template\": \"cnn1d\", \"filters\": []}", WINDOW), "model.filters", "non-empty list");
    assertRefused(spec("{\"template\": \"cnn1d\", \"filters\": [4], \"kernel\": 31}", WINDOW), "model.kernel",
        "31", "between 1 and 30");
    assertRefused(spec("{\"template\": \"cnn1d\", \"filters\": [4], \"configuration\": {}}", WINDOW),
        "model.configuration", "not both");
  }

  @Test
  void sequenceFields_areValidated_namingFieldValueAndWhatIsAllowed() {
    String mlp = "{\"template\": \"mlp\", \"hidden_layers\": [8]}";
    assertRefused(spec(mlp, ", \"sequence\": {\"group\": \"unit\", \"order\": \"cycle\"}"),
        "dataset.sequence.window", "required", "between 1 and 1024");
    assertRefused(spec(mlp, ", \"sequence\": {\"group\": \"unit\", \"order\": \"cycle\", \"window\": 0}"),
        "dataset.sequence.window", "was 0", "between 1 and 1024");
    assertRefused(spec(mlp, ", \"sequence\": {\"group\": \"unit\", \"order\": \"cycle\", \"window\": 2000}"),
        "dataset.sequence.window", "2000");
    assertRefused(spec(mlp, ", \"sequence\": {\"order\": \"cycle\", \"window\": 3}"),
        "dataset.sequence.group", "required");
    assertRefused(spec(mlp, ", \"sequence\": {\"group\": \"unit\", \"order\": \"unit\", \"window\": 3}"),
        "dataset.sequence.order", "\"unit\"", "same column");
    assertRefused(spec(mlp, ", \"sequence\": {\"group\": \"s1\", \"order\": \"cycle\", \"window\": 3}"),
        "dataset.sequence.group", "\"s1\"", "is a feature");
    assertRefused(spec(mlp, ", \"sequence\": {\"group\": \"unit\", \"order\": \"rul\", \"window\": 3}"),
        "dataset.sequence.order", "\"rul\"", "is the label");
    assertRefused(spec(mlp, ", \"sequence\": {\"group\": \"unit\", \"order\": \"cycle\", \"window\": 3,"
        + " \"eval_rows\": \"first\"}"), "dataset.sequence.eval_rows", "\"first\"", "\"all\"", "\"last\"");
    assertRefused(spec(mlp, ", \"sequence\": {\"group\": \"unit\", \"order\": \"cycle\", \"window\": 3,"
        + " \"stride\": 2}"), "dataset.sequence.stride", "unknown field", "eval_rows");
    assertRefused(spec(mlp, ", \"sequence\": [\"unit\"]"), "dataset.sequence", "JSON object");
  }

  @Test
  void aConfigurationMustTakeTheFlatWindow() {
    String rowSized = io.factoryfl.core.model.MlpTemplate.configurationJson(3, List.of(4),
        new io.factoryfl.core.task.RegressionTask(io.factoryfl.core.task.LabelClip.NONE, "mse"), 0.01, 1);
    assertRefused(spec("{\"configuration\": " + rowSized + "}", WINDOW), "model.configuration", "takes 3 inputs",
        "90", "window of 30");
  }
}
