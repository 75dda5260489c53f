package io.factoryfl.core.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.model.ModelDefinition;

import org.junit.jupiter.api.Test;

/**
 * The parser's own limits: a spec's size and nesting, trailing garbage, names that would change
 * how a terminal shows them, and the model size computed without building the model.
 */
class JobSpecLimitsTest {
  private static final String SPEC = """
      {
        "name": %s,
        "model": {"template": "mlp", "hidden_layers": %s},
        "dataset": {"name": %s, "numeric_features": [%s, "x2"],
                    "categorical_features": [{"column": "Type", "categories": [%s, "M"]}],
                    "label": "y"}
      }""";

  private static String spec(String name, String layers, String dataset, String column, String category) {
    return SPEC.formatted(name, layers, dataset, column, category);
  }

  private static String spec(String name) {
    return spec(name, "[8]", "\"ai4i\"", "\"x1\"", "\"L\"");
  }

  @Test
  void plainSpec_parses() {
    assertEquals("job", JobSpecParser.parse(spec("\"job\"")).name());
  }

  @Test
  void trailingGarbage_isRefused() {
    InvalidJobSpecException e = refused(spec("\"job\"") + " trailing");

    assertEquals("(job spec)", e.field());
    assertTrue(e.getMessage().contains("is not valid JSON"), e.getMessage());
  }

  @Test
  void secondObjectAfterTheSpec_isRefused() {
    InvalidJobSpecException e = refused(spec("\"job\"") + "{}");

    assertTrue(e.getMessage().contains("Trailing token"), e.getMessage());
  }

  @Test
  void nestingDeeperThan32_isRefusedWithTheLimit() {
    String deep = "[".repeat(40) + "]".repeat(40);

    InvalidJobSpecException e = refused(spec("\"job\"").replace("\"ai4i\"", deep));

    assertTrue(e.getMessage().contains("may nest at most 32 deep"), e.getMessage());
  }

  @Test
  void extremelyDeepNesting_isAClearErrorNotANullPointer() {
    String deep = "{\"a\":".repeat(5000) + "1" + "}".repeat(5000);

    InvalidJobSpecException e = refused(deep);

    assertTrue(e.getMessage().startsWith("(job spec): exceeds a parser limit"), e.getMessage());
  }

  @Test
  void specLargerThanOneMiB_isRefusedBeforeParsing() {
    String big = spec("\"" + "n".repeat(JobSpecParser.MAX_SPEC_CHARS) + "\"");

    InvalidJobSpecException e = refused(big);

    assertTrue(e.getMessage().contains("a job spec may be at most 1048576 (1 MiB)"), e.getMessage());
  }

  @Test
  void escapeInJobName_isRefusedNamingFieldAndCodePoint() {
    InvalidJobSpecException e = refused(spec("\"x\\u001b[2J\""));

    assertEquals("name", e.field());
    assertTrue(e.getMessage().contains("contains the control character U+001B at position 1"),
        e.getMessage());
  }

  @Test
  void bidiOverrideInDatasetName_isRefused() {
    InvalidJobSpecException e = refused(spec("\"job\"", "[8]", "\"ai\\u202e4i\"", "\"x1\"", "\"L\""));

    assertEquals("dataset.name", e.field());
    assertTrue(e.getMessage().contains("U+202E"), e.getMessage());
  }

  @Test
  void c1ControlInColumn_isRefused() {
    InvalidJobSpecException e = refused(spec("\"job\"", "[8]", "\"ai4i\"", "\"x\\u009b1\"", "\"L\""));

    assertEquals("dataset.numeric_features[0]", e.field());
    assertTrue(e.getMessage().contains("U+009B"), e.getMessage());
  }

  @Test
  void newlineInCategory_isRefused() {
    InvalidJobSpecException e = refused(spec("\"job\"", "[8]", "\"ai4i\"", "\"x1\"", "\"L\\n\""));

    assertEquals("dataset.categorical_features[0].categories[0]", e.field());
    assertTrue(e.getMessage().contains("U+000A"), e.getMessage());
  }

  @Test
  void unknownFieldWithEscape_isEchoedEscaped() {
    InvalidJobSpecException e = refused(spec("\"job\"").replace("\"name\": \"job\"",
        "\"name\": \"job\", \"na\\u001bme\": 1"));

    assertTrue(e.getMessage().startsWith("na\\u001bme: unknown field"), e.getMessage());
  }

  @Test
  void unicodeLettersInNames_areFine() {
    assertEquals("Presse Süd – 東京", JobSpecParser.parse(spec("\"Presse Süd – 東京\"")).name());
  }

  @Test
  void parameterCount_ofHugeMlpIsComputedWithoutBuildingIt() {
    JobSpec spec = JobSpecParser.parse(spec("\"job\"", "[65536, 65536]", "\"ai4i\"", "\"x1\"", "\"L\""));

    // inputs: 2 numeric + 2 one-hot = 4; (4+1)*65536 + (65536+1)*65536 + (65536+1)*2
    assertEquals(5L * 65536 + 65537L * 65536 + 65537L * 2, JobSpecParser.parameterCount(spec));
  }

  @Test
  void parameterCount_ofSmallMlpMatchesTheBuiltModel() {
    JobSpec spec = JobSpecParser.parse(spec("\"job\"", "[7, 3]", "\"ai4i\"", "\"x1\"", "\"L\""));

    assertEquals(ModelDefinition.fromJson(spec.modelConfigurationJson()).numParameters(),
        JobSpecParser.parameterCount(spec));
  }

  @Test
  void parameterCount_ofAConfigurationModelComesFromItsLayers() {
    JobSpec mlp = JobSpecParser.parse(spec("\"job\"", "[5]", "\"ai4i\"", "\"x1\"", "\"L\""));
    String configured = """
        {"name": "c", "model": {"configuration": %s},
         "dataset": {"name": "ai4i", "numeric_features": ["x1", "x2"],
                     "categorical_features": [{"column": "Type", "categories": ["L", "M"]}],
                     "label": "y"}}""".formatted(com.fasterxml.jackson.databind.node.TextNode
        .valueOf(mlp.modelConfigurationJson()).toString());

    assertEquals((4 + 1) * 5 + (5 + 1) * 2, JobSpecParser.parameterCount(JobSpecParser.parse(configured)));
  }

  private static InvalidJobSpecException refused(String json) {
    return assertThrows(InvalidJobSpecException.class, () -> JobSpecParser.parse(json));
  }

}
