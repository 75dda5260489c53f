package io.factoryfl.core.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link JobSpecParser#pinned}: what a coordinator keeps of a submitted job spells out every
 * default the job took, and reads back as the same job.
 */
class PinnedSpecTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String MINIMAL = """
      {"name": "minimal", "model": {"template": "mlp", "hidden_layers": [8]},
       "dataset": {"name": "ai4i", "numeric_features": ["x1", "x2"], "label": "y"}}""";

  /** Specs that between them take every default the parser has. */
  private static final List<String> SPECS = List.of(MINIMAL,
      """
      {"name": "plain", "model": {"template": "mlp", "hidden_layers": [8]},
       "dataset": {"name": "ai4i", "numeric_features": ["x1"], "label": "y", "label_classes": ["a", "b", "c"],
                   "missing_values": "impute_mean"},
       "participants": {"min": 5}, "training": {"class_weights": {"a": 1, "b": 2, "c": 3}},
       "secure_aggregation": {"enabled": false},
       "robust_aggregation": {"rule": "trimmed_mean"}, "select": {"metric": "macro_f1", "patience": 2}}""",
      """
      {"name": "adam", "model": {"template": "mlp", "hidden_layers": [4]},
       "dataset": {"name": "d", "numeric_features": ["x"], "label": "y"},
       "server_optimizer": {"name": "adam"}, "select": {"metric": "loss"}}""",
      """
      {"name": "rul", "task": "regression", "model": {"template": "cnn1d", "filters": [6]},
       "dataset": {"name": "turbofan", "numeric_features": ["s1", "s2"], "label": "rul", "label_clip": {"max": 125},
                   "sequence": {"group": "unit", "order": "cycle", "window": 3}},
       "robust_aggregation": {"rule": "fedavg", "clip_norm": 2.5}}""");

  private static JsonNode pinned(String spec) throws Exception {
    return JSON.readTree(JobSpecParser.pinned(spec));
  }

  @Test
  void aSpecWithoutServerMomentum_keepsTheDefaultItWasSubmittedWith() throws Exception {
    JsonNode pinned = pinned(MINIMAL);

    assertEquals(JobSpec.DEFAULT_SERVER_MOMENTUM, pinned.get("server_momentum").asDouble());
    assertEquals(JobSpec.DEFAULT_SERVER_MOMENTUM, JobSpecParser.parse(pinned.toString()).serverMomentum());
  }

  @Test
  void theMinimalSpec_spellsOutEveryDefault() throws Exception {
    JsonNode pinned = pinned(MINIMAL);

    assertEquals(10, pinned.get("rounds").asInt());
    assertEquals("binary", pinned.get("task").asText());
    assertEquals(0, pinned.get("seed").asLong());
    assertEquals(3, pinned.get("max_round_attempts").asInt());
    assertEquals(300, pinned.get("round_deadline_seconds").asInt());
    assertEquals(600, pinned.get("start_timeout_seconds").asInt());
    assertEquals(1, pinned.get("evaluate_every").asInt());
    assertEquals(JSON.readTree("{\"min\": 2, \"max\": 1000, \"fraction\": 1.0}"), pinned.get("participants"));
    assertEquals(JSON.readTree("{\"local_epochs\": 1, \"batch_size\": 32, \"learning_rate\": 0.001,"
        + " \"proximal_mu\": 0.0, \"optimizer\": \"adam\"}"), pinned.get("training"));
    assertEquals(JSON.readTree("[\"0\", \"1\"]"), pinned.get("dataset").get("label_classes"));
    assertEquals("refuse", pinned.get("dataset").get("missing_values").asText());
    JsonNode secure = pinned.get("secure_aggregation");
    assertEquals(true, secure.get("enabled").asBoolean());
    assertEquals(SecureAggregationSpec.DEFAULT_CLIP, secure.get("clip").asDouble());
    assertEquals(SecureAggregationSpec.defaultBits(1000), secure.get("bits").asInt());
    assertFalse(secure.has("neighbours"), "decided per round from the cohort when absent");
    assertEquals(JobSpecParser.parse(MINIMAL).maxExamplesPerSite(), pinned.get("max_examples_per_site").asLong());
  }

  @Test
  void blocksTheSpecNames_getTheirDefaultsSpelledOutToo() throws Exception {
    JsonNode plain = pinned(SPECS.get(1));
    assertEquals("trimmed_mean", plain.get("robust_aggregation").get("rule").asText());
    assertEquals(RobustAggregationParser.DEFAULT_TRIM_FRACTION,
        plain.get("robust_aggregation").get("trim_fraction").asDouble());
    assertEquals(1, plain.get("robust_aggregation").get("byzantine").asInt());
    assertEquals("max", plain.get("select").get("mode").asText());
    assertEquals("multiclass", plain.get("task").asText());

    JsonNode adam = pinned(SPECS.get(2));
    assertEquals(0.0, adam.get("server_momentum").asDouble(), "a server optimiser takes no momentum");
    JsonNode optimizer = adam.get("server_optimizer");
    for (String field : List.of("learning_rate", "beta1", "beta2", "tau")) {
      assertFalse(optimizer.path(field).isMissingNode(), field + " in " + optimizer);
    }
    assertEquals("min", adam.get("select").get("mode").asText());

    JsonNode rul = pinned(SPECS.get(3));
    assertEquals(3, rul.get("model").get("kernel").asInt(), "the default kernel, capped at the window");
    assertEquals("mse", rul.get("training").get("loss").asText());
    assertEquals("all", rul.get("dataset").get("sequence").get("eval_rows").asText());
  }

  @Test
  void thePinnedSpec_readsBackAsTheSameJob_andPinningItAgainChangesNothing() {
    for (String spec : SPECS) {
      String pinned = JobSpecParser.pinned(spec);
      assertEquals(JobSpecParser.parse(spec), JobSpecParser.parse(pinned), pinned);
      assertEquals(pinned, JobSpecParser.pinned(pinned));
    }
  }

  @Test
  void anInvalidSpec_isRefusedAsParseRefusesIt() {
    String bad = MINIMAL.replace("\"name\": \"minimal\"", "\"name\": \"minimal\", \"rounds\": 0");
    InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class, () -> JobSpecParser.pinned(bad));
    assertEquals("rounds", e.field());
  }
}
