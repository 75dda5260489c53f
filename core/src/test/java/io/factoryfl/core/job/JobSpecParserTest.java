package io.factoryfl.core.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.FeatureSchema.CategoricalColumn;
import io.factoryfl.core.model.MlpTemplate;
import io.factoryfl.core.model.ModelDefinition;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobSpecParserTest {

  /** Dataset encoding to 5 numeric + 3 one-hot = 8 inputs, 2 classes. */
  private static final String DATASET = """
      "dataset": {
        "name": "ai4i",
        "numeric_features": ["Air temperature [K]", "Process temperature [K]",
                             "Rotational speed [rpm]", "Torque [Nm]", "Tool wear [min]"],
        "categorical_features": [{"column": "Type", "categories": ["L", "M", "H"]}],
        "label": "Machine failure",
        "label_classes": ["0", "1"]
      }""";

  private static final String FULL = """
      {
        "name": "ai4i-failure",
        "model": {"template": "mlp", "hidden_layers": [64, 32]},
        %s,
        "rounds": 20,
        "participants": {"min": 3, "max": 50, "fraction": 0.5},
        "training": {"local_epochs": 2, "batch_size": 64, "learning_rate": 0.003},
        "round_deadline_seconds": 120,
        "evaluate_every": 5,
        "seed": 7,
        "max_round_attempts": 4,
        "start_timeout_seconds": 90
      }""".formatted(DATASET);

  private static final String MINIMAL = """
      {
        "name": "minimal",
        "model": {"template": "mlp", "hidden_layers": [8]},
        "dataset": {"name": "ai4i", "numeric_features": ["x1", "x2"], "label": "y"}
      }""";

  // --- valid specs ---------------------------------------------------------------------------

  @Test
  void parse_fullSpec_keepsEveryValue() {
    JobSpec spec = JobSpecParser.parse(FULL);

    assertEquals("ai4i-failure", spec.name());
    assertEquals(ModelSpec.mlp(List.of(64, 32)), spec.model());
    assertEquals("ai4i", spec.datasetName());
    assertEquals(List.of("Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]",
        "Torque [Nm]", "Tool wear [min]"), spec.schema().numericColumns());
    assertEquals(List.of(new CategoricalColumn("Type", List.of("L", "M", "H"))),
        spec.schema().categoricalColumns());
    assertEquals("Machine failure", spec.schema().labelColumn());
    assertEquals(List.of("0", "1"), spec.schema().labelClasses());
    assertEquals(20, spec.rounds());
    assertEquals(3, spec.minParticipants());
    assertEquals(50, spec.maxParticipants());
    assertEquals(0.5, spec.fractionPerRound());
    assertEquals(2, spec.localEpochs());
    assertEquals(64, spec.batchSize());
    assertEquals(0.003, spec.learningRate());
    assertEquals(Duration.ofSeconds(120), spec.roundDeadline());
    assertEquals(5, spec.evaluateEvery());
    assertEquals(7, spec.seed());
    assertEquals(4, spec.maxRoundAttempts());
    assertEquals(Duration.ofSeconds(90), spec.startTimeout());
  }

  @Test
  void parse_fullSpec_resolvesToAModelSizedForTheDataset() {
    ModelDefinition model = ModelDefinition.fromJson(JobSpecParser.parse(FULL).modelConfigurationJson());

    assertEquals(8, model.numInputs());
    assertEquals(2, model.numOutputs());
    // 8*64+64 + 64*32+32 + 32*2+2
    assertEquals(8 * 64 + 64 + 64 * 32 + 32 + 32 * 2 + 2, model.numParameters());
  }

  @Test
  void parse_minimalSpec_fillsTheDocumentedDefaults() {
    JobSpec spec = JobSpecParser.parse(MINIMAL);

    assertEquals(10, spec.rounds());
    assertEquals(2, spec.minParticipants());
    assertEquals(1000, spec.maxParticipants());
    assertEquals(1.0, spec.fractionPerRound());
    assertEquals(1, spec.localEpochs());
    assertEquals(32, spec.batchSize());
    assertEquals(0.001, spec.learningRate());
    assertEquals(Duration.ofSeconds(300), spec.roundDeadline());
    assertEquals(1, spec.evaluateEvery());
    assertEquals(0, spec.seed());
    assertEquals(3, spec.maxRoundAttempts());
    assertEquals(Duration.ofSeconds(600), spec.startTimeout());
    assertEquals(List.of("0", "1"), spec.schema().labelClasses());
    assertEquals(List.of(), spec.schema().categoricalColumns());
  }

  @Test
  void parse_serverMomentum_defaultsToFedAvgM_unlessAServerOptimiserOrZeroIsNamed() {
    assertEquals(JobSpec.DEFAULT_SERVER_MOMENTUM, JobSpecParser.parse(MINIMAL).serverMomentum());
    assertEquals(0.5, JobSpec.DEFAULT_SERVER_MOMENTUM);
    String plain = MINIMAL.replaceFirst("\\{", "{\"server_momentum\": 0, ");
    assertEquals(0, JobSpecParser.parse(plain).serverMomentum(), "0 is plain FedAvg");
    String adaptive = MINIMAL.replaceFirst("\\{", "{\"server_optimizer\": {\"name\": \"adagrad\"}, ");
    JobSpec spec = JobSpecParser.parse(adaptive);
    assertEquals(0, spec.serverMomentum(), "a server optimiser decides the step itself");
    assertEquals(ServerOptimizerSpec.Algorithm.ADAGRAD, spec.serverOptimizer().algorithm());
  }

  @Test
  void parse_acceptsADl4jConfigurationThatFitsTheDataset() {
    String configuration = MlpTemplate.configurationJson(8, List.of(4), 2, 0.01, 1);

    JobSpec spec = JobSpecParser.parse(withModel("{\"configuration\": " + configuration + "}"));

    assertNull(spec.model().template());
    assertEquals(8, ModelDefinition.fromJson(spec.modelConfigurationJson()).numInputs());
  }

  @Test
  void parse_acceptsTheConfigurationAsAJsonString() {
    String configuration = MlpTemplate.configurationJson(8, List.of(4), 2, 0.01, 1);
    String quoted = "\"" + configuration.replace("\\", "\\\\").replace("\"", "\\\"")
        .replace("\n", "\\n") + "\"";

    JobSpec spec = JobSpecParser.parse(withModel("{\"configuration\": " + quoted + "}"));

    assertEquals(configuration, spec.modelConfigurationJson());
  }

  // --- invalid specs: each names the field, the value and what is allowed --------------------

  @Test
  void parse_notJson_saysWhereTheSyntaxBreaks() {
    String broken = "{\n  \"name\": \"x\",\n  \"rounds\": 3,,\n}";

    InvalidJobSpecException e = invalid(broken);

    assertEquals("(job spec)", e.field());
    assertTrue(e.getMessage().startsWith("(job spec): is not valid JSON at line 3, column 15: "),
        e.getMessage());
  }

  @Test
  void parse_emptyText_saysAJsonObjectIsExpected() {
    InvalidJobSpecException e = invalid("  \n");

    assertEquals("(job spec): is empty; expected a JSON object", e.getMessage());
  }

  @Test
  void parse_topLevelArray_saysAnObjectIsExpected() {
    InvalidJobSpecException e = invalid("[1, 2]");

    assertEquals("(job spec): must be a JSON object, got [1,2]", e.getMessage());
  }

  @Test
  void parse_unknownTopLevelField_namesItAndListsTheAllowedOnes() {
    InvalidJobSpecException e = invalid(FULL.replace("\"rounds\": 20", "\"round\": 20"));

    assertEquals("round", e.field());
    assertEquals("round: unknown field; allowed fields here are [dataset, evaluate_every,"
        + " max_examples_per_site, max_round_attempts, model, name, participants,"
        + " robust_aggregation, round_deadline_seconds, rounds,"
        + " secure_aggregation, seed, select, server_momentum, server_optimizer, start_timeout_seconds, task,"
        + " training]",
        e.getMessage());
  }

  @Test
  void parse_maxExamplesPerSite_defaultsTo100kAndIsBoundedSoTheSecureSumCannotWrap() {
    assertEquals(100_000, JobSpecParser.parse(MINIMAL).maxExamplesPerSite());
    JobSpec spec = JobSpecParser.parse(FULL.replace("\"rounds\": 20", "\"rounds\": 20, \"max_examples_per_site\": 500"));
    assertEquals(500, spec.maxExamplesPerSite());
    assertEquals(500, spec.secureAggregation().maxExamples(), "the same cap weights secure rounds");
    assertEquals(500, spec.cappedWeight(1L << 29));

    InvalidJobSpecException e = invalid(FULL.replace("\"rounds\": 20",
        "\"rounds\": 20, \"max_examples_per_site\": 2147483647"));
    assertEquals("max_examples_per_site", e.field());
  }

  @Test
  void parse_secureAggregationMaxExamples_saysWhereTheCapMoved() {
    InvalidJobSpecException e = invalid(FULL.replace("\"rounds\": 20",
        "\"rounds\": 20, \"secure_aggregation\": {\"max_examples\": 10}"));
    assertTrue(e.getMessage().contains("max_examples_per_site"), e.getMessage());
  }

  @Test
  void parse_unknownNestedField_namesItsPath() {
    InvalidJobSpecException e = invalid(FULL.replace("\"batch_size\"", "\"batchsize\""));

    assertEquals("training.batchsize", e.field());
    assertTrue(e.getMessage().contains(
            "allowed fields here are [batch_size, class_weights, learning_rate, local_epochs, loss, optimizer, proximal_mu]"),
        e.getMessage());
  }

  @Test
  void parse_zeroRounds_namesValueAndRange() {
    InvalidJobSpecException e = invalid(FULL.replace("\"rounds\": 20", "\"rounds\": 0"));

    assertEquals("rounds", e.field());
    assertEquals("rounds: was 0; must be between 1 and 100000", e.getMessage());
  }

  @Test
  void parse_maxBelowMin_namesBothValues() {
    InvalidJobSpecException e = invalid(FULL.replace("\"max\": 50", "\"max\": 2"));

    assertEquals("participants.max", e.field());
    assertEquals("participants.max: was 2; must be at least participants.min (3)", e.getMessage());
  }

  @Test
  void parse_fractionZero_isRefusedAsOutsideTheHalfOpenRange() {
    InvalidJobSpecException e = invalid(FULL.replace("\"fraction\": 0.5", "\"fraction\": 0"));

    assertEquals("participants.fraction", e.field());
    assertEquals("participants.fraction: was 0; must be greater than 0.0 and at most 1.0", e.getMessage());
  }

  @Test
  void parse_fractionAboveOne_namesTheValue() {
    InvalidJobSpecException e = invalid(FULL.replace("\"fraction\": 0.5", "\"fraction\": 1.5"));

    assertEquals("participants.fraction", e.field());
    assertEquals("participants.fraction: was 1.5; must be greater than 0.0 and at most 1.0",
        e.getMessage());
  }

  @Test
  void parse_negativeLearningRate_namesTheValue() {
    InvalidJobSpecException e =
        invalid(FULL.replace("\"learning_rate\": 0.003", "\"learning_rate\": -0.01"));

    assertEquals("training.learning_rate", e.field());
    assertEquals("training.learning_rate: was -0.01; must be greater than 0.0 and at most 10.0",
        e.getMessage());
  }

  @Test
  void parse_batchSizeAsString_saysAnIntegerIsExpected() {
    InvalidJobSpecException e = invalid(FULL.replace("\"batch_size\": 64", "\"batch_size\": \"64\""));

    assertEquals("training.batch_size", e.field());
    assertEquals("training.batch_size: must be an integer between 1 and 1048576, got \"64\"",
        e.getMessage());
  }

  @Test
  void parse_fractionalRounds_isNotTruncated() {
    InvalidJobSpecException e = invalid(FULL.replace("\"rounds\": 20", "\"rounds\": 2.5"));

    assertEquals("rounds", e.field());
    assertEquals("rounds: must be an integer between 1 and 100000, got 2.5", e.getMessage());
  }

  @Test
  void parse_roundsBeyondIntRange_isRefusedNotWrapped() {
    InvalidJobSpecException e = invalid(FULL.replace("\"rounds\": 20", "\"rounds\": 4294967297"));

    assertEquals("rounds", e.field());
    assertTrue(e.getMessage().contains("got 4294967297"), e.getMessage());
  }

  @Test
  void parse_unknownModelTemplate_listsTheAllowedTemplates() {
    InvalidJobSpecException e = invalid(withModel("{\"template\": \"resnet\", \"hidden_layers\": [8]}"));

    assertEquals("model.template", e.field());
    assertEquals("model.template: unknown template \"resnet\"; allowed: [mlp, lstm, cnn1d, cnn]", e.getMessage());
  }

  @Test
  void parse_emptyHiddenLayers_showsAnExample() {
    InvalidJobSpecException e = invalid(withModel("{\"template\": \"mlp\", \"hidden_layers\": []}"));

    assertEquals("model.hidden_layers", e.field());
    assertEquals("model.hidden_layers: must be a non-empty list of layer widths such as [64, 32], got []",
        e.getMessage());
  }

  @Test
  void parse_missingHiddenLayers_saysNothingWasGiven() {
    InvalidJobSpecException e = invalid(withModel("{\"template\": \"mlp\"}"));

    assertEquals("model.hidden_layers", e.field());
    assertTrue(e.getMessage().endsWith("got nothing"), e.getMessage());
  }

  @Test
  void parse_layerWidthZero_namesTheLayerIndexAndRange() {
    InvalidJobSpecException e =
        invalid(withModel("{\"template\": \"mlp\", \"hidden_layers\": [16, 0]}"));

    assertEquals("model.hidden_layers[1]", e.field());
    assertEquals("model.hidden_layers[1]: was 0; must be an integer between 1 and 65536", e.getMessage());
  }

  @Test
  void parse_layerWidthBeyondIntRange_isRefusedNotWrapped() {
    InvalidJobSpecException e =
        invalid(withModel("{\"template\": \"mlp\", \"hidden_layers\": [4294967297]}"));

    assertEquals("model.hidden_layers[0]", e.field());
    assertEquals("model.hidden_layers[0]: was 4294967297; must be an integer between 1 and 65536",
        e.getMessage());
  }

  @Test
  void parse_bothConfigurationAndTemplate_saysToPickOne() {
    String configuration = MlpTemplate.configurationJson(8, List.of(4), 2, 0.01, 1);

    InvalidJobSpecException e = invalid(withModel(
        "{\"template\": \"mlp\", \"configuration\": " + configuration + "}"));

    assertEquals("model.configuration", e.field());
    assertEquals("model.configuration: give either a DL4J configuration or a template with"
        + " its layers, not both (remove template)", e.getMessage());
  }

  @Test
  void parse_configurationWithWrongInputCount_namesBothCounts() {
    String configuration = MlpTemplate.configurationJson(7, List.of(4), 2, 0.01, 1);

    InvalidJobSpecException e = invalid(withModel("{\"configuration\": " + configuration + "}"));

    assertEquals("model.configuration", e.field());
    assertEquals("model.configuration: the first layer takes 7 inputs but the dataset's features"
        + " encode to 8 (numeric features plus one-hot categories)", e.getMessage());
  }

  @Test
  void parse_configurationWithWrongOutputCount_namesBothCounts() {
    String configuration = MlpTemplate.configurationJson(8, List.of(4), 3, 0.01, 1);

    InvalidJobSpecException e = invalid(withModel("{\"configuration\": " + configuration + "}"));

    assertEquals("model.configuration", e.field());
    assertEquals("model.configuration: the output layer has 3 units but the binary task needs 2 (one per"
        + " label class)", e.getMessage());
  }

  @Test
  void parse_configurationThatIsNotDl4j_isReportedOnTheConfigurationField() {
    InvalidJobSpecException e = invalid(withModel("{\"configuration\": {\"layers\": []}}"));

    assertEquals("model.configuration", e.field());
    assertTrue(e.getMessage().contains("not a DL4J MultiLayerConfiguration"), e.getMessage());
  }

  @Test
  void parse_missingLabel_saysItIsRequired() {
    InvalidJobSpecException e = invalid(FULL.replace("\"label\": \"Machine failure\",", ""));

    assertEquals("dataset.label", e.field());
    assertEquals("dataset.label: is required", e.getMessage());
  }

  @Test
  void parse_duplicateFeatureColumn_namesTheColumn() {
    InvalidJobSpecException e = invalid(FULL.replace("\"Tool wear [min]\"", "\"Torque [Nm]\""));

    assertEquals("dataset", e.field());
    assertEquals("dataset: feature column 'Torque [Nm]' is listed twice", e.getMessage());
  }

  @Test
  void parse_columnBothNumericAndCategorical_isADuplicateToo() {
    InvalidJobSpecException e = invalid(FULL.replace("\"Tool wear [min]\"", "\"Type\""));

    assertEquals("dataset: feature column 'Type' is listed twice", e.getMessage());
  }

  @Test
  void parse_blankFeatureName_namesItsIndex() {
    InvalidJobSpecException e = invalid(FULL.replace("\"Tool wear [min]\"", "\" \""));

    assertEquals("dataset.numeric_features[4]", e.field());
    assertEquals("dataset.numeric_features[4]: must be a non-empty string, got \" \"", e.getMessage());
  }

  @Test
  void parse_categoricalWithoutCategories_namesTheItem() {
    InvalidJobSpecException e = invalid(FULL.replace("\"categories\": [\"L\", \"M\", \"H\"]",
        "\"categories\": []"));

    assertEquals("dataset.categorical_features[0].categories", e.field());
    assertEquals("dataset.categorical_features[0].categories: must list at least one category",
        e.getMessage());
  }

  @Test
  void parse_missingName_saysItIsRequired() {
    InvalidJobSpecException e = invalid(FULL.replace("\"name\": \"ai4i-failure\",", ""));

    assertEquals("name: is required", e.getMessage());
  }

  @Test
  void parse_missingModel_saysItIsRequired() {
    InvalidJobSpecException e =
        invalid(FULL.replace("\"model\": {\"template\": \"mlp\", \"hidden_layers\": [64, 32]},", ""));

    assertEquals("model: is required", e.getMessage());
  }

  // --- canonical hash ------------------------------------------------------------------------

  @Test
  void canonicalHash_ignoresKeyOrderAndWhitespaceAtEveryLevel() {
    String reordered = "{\"seed\":7,\"start_timeout_seconds\":90,\"max_round_attempts\":4,"
        + "\"evaluate_every\":5,\"round_deadline_seconds\":120,"
        + "\"training\":{\"learning_rate\":0.003,\"batch_size\":64,\"local_epochs\":2},"
        + "\"participants\":{\"fraction\":0.5,\"max\":50,\"min\":3},\"rounds\":20,"
        + "\"dataset\":{\"label_classes\":[\"0\",\"1\"],\"label\":\"Machine failure\","
        + "\"categorical_features\":[{\"categories\":[\"L\",\"M\",\"H\"],\"column\":\"Type\"}],"
        + "\"numeric_features\":[\"Air temperature [K]\",\"Process temperature [K]\","
        + "\"Rotational speed [rpm]\",\"Torque [Nm]\",\"Tool wear [min]\"],\"name\":\"ai4i\"},"
        + "\"model\":{\"hidden_layers\":[64,32],\"template\":\"mlp\"},\"name\":\"ai4i-failure\"}";

    assertEquals(JobSpecParser.canonicalHash(FULL), JobSpecParser.canonicalHash(reordered));
    assertEquals(JobSpecParser.canonical(FULL), JobSpecParser.canonical(reordered));
    assertTrue(JobSpecParser.canonicalHash(FULL).matches("[0-9a-f]{64}"));
  }

  @Test
  void canonicalHash_changesWhenAValueChanges() {
    String base = JobSpecParser.canonicalHash(FULL);

    assertNotEquals(base, JobSpecParser.canonicalHash(FULL.replace("\"seed\": 7", "\"seed\": 8")));
    assertNotEquals(base, JobSpecParser.canonicalHash(
        FULL.replace("\"learning_rate\": 0.003", "\"learning_rate\": 0.0031")));
    assertNotEquals(base, JobSpecParser.canonicalHash(FULL.replace("[64, 32]", "[32, 64]")),
        "layer order is part of the model");
    assertNotEquals(base, JobSpecParser.canonicalHash(FULL.replace("\"L\", \"M\", \"H\"", "\"H\", \"M\", \"L\"")),
        "category order is part of the encoding");
  }

  @Test
  void canonicalHash_ofNotJson_isAnInvalidSpec() {
    assertThrows(InvalidJobSpecException.class, () -> JobSpecParser.canonicalHash("{\"name\": "));
  }

  // ------------------------------------------------------------------------------------------

  private static String withModel(String model) {
    return FULL.replace("{\"template\": \"mlp\", \"hidden_layers\": [64, 32]}", model);
  }

  private static InvalidJobSpecException invalid(String json) {
    return assertThrows(InvalidJobSpecException.class, () -> JobSpecParser.parse(json));
  }
}
