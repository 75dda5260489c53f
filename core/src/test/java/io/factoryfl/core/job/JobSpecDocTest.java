package io.factoryfl.core.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.FeatureSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/**
 * docs/job-spec.md and the README's job spec stay true: every {@code ```json} block parses, every
 * {@code ```json refused} block fails with the message in the {@code ```text} block after it, and
 * the defaults the page lists are the parser's.
 */
class JobSpecDocTest {
  private static final Path DOC = Path.of("..", "docs", "job-spec.md");
  private static final Path README = Path.of("..", "README.md");


  @Test
  void everyJsonExampleInTheDoc_isAcceptedByTheParser() throws IOException {
    List<SpecDocExamples.Block> accepted =
        SpecDocExamples.blocks(DOC).stream().filter(b -> b.info().equals("json")).toList();
    assertEquals(5, accepted.size(), "json examples in " + DOC);
    for (SpecDocExamples.Block block : accepted) {
      JobSpec spec = JobSpecParser.parse(block.body());
      assertNotNull(spec.name());
    }
  }

  @Test
  void everyRefusedExampleInTheDoc_failsWithTheMessageShownUnderIt() throws IOException {
    assertEquals(7, SpecDocExamples.assertRefusedExamples(DOC), "refused examples in " + DOC);
  }

  @Test
  void minimalExample_getsTheDefaultsTheDocLists() throws IOException {
    JobSpec spec = JobSpecParser.parse(SpecDocExamples.blocks(DOC).get(1).body());
    assertEquals("minimal", spec.name());
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
    assertEquals(100_000, spec.maxExamplesPerSite());
    assertEquals(0.5, spec.serverMomentum(), "FedAvgM 0.5 is the default strategy");
    assertEquals(java.util.Optional.empty(), spec.selection());
    assertEquals(java.util.Optional.empty(), spec.sequence(), "rows are independent without dataset.sequence");
    assertEquals(new SecureAggregationSpec(true, null, null, 4.0, 22, 100_000),
        spec.secureAggregation());
    assertEquals(RobustAggregationSpec.none(), spec.robustAggregation());
    assertEquals(new FeatureSchema(List.of("Torque [Nm]"), List.of(), "Machine failure",
        List.of("0", "1")), spec.schema());
  }

  @Test
  void docDefaults_forLargeFederations_capTheWeightAndTheBits() {
    String spec = """
        {"name": "j", "model": {"template": "mlp", "hidden_layers": [8]},
         "dataset": {"name": "d", "numeric_features": ["x"], "label": "y"},
         "participants": {"max": 100000}}""";
    JobSpec parsed = JobSpecParser.parse(spec);
    assertEquals(2_147_483_647 / 100_000, parsed.maxExamplesPerSite());
    assertEquals(15, parsed.secureAggregation().bits());
  }

  @Test
  void nullField_countsAsAbsent() {
    JobSpec spec = JobSpecParser.parse("""
        {"name": "j", "model": {"template": "mlp", "hidden_layers": [8]},
         "dataset": {"name": "d", "numeric_features": ["x"], "label": "y"},
         "rounds": null, "participants": null}""");
    assertEquals(10, spec.rounds());
    assertEquals(2, spec.minParticipants());
  }

  @Test
  void readmeJobSpec_isAcceptedByTheParser() throws IOException {
    String readme = Files.readString(README);
    int section = readme.indexOf("\n## Job spec\n");
    assertTrue(section >= 0, "README has a '## Job spec' section");
    Matcher fence = SpecDocExamples.FENCE.matcher(readme);
    assertTrue(fence.find(section), "README's job spec section has a code block");
    assertEquals("json", fence.group(1));
    assertEquals(20, JobSpecParser.parse(fence.group(2)).rounds());
  }
}
