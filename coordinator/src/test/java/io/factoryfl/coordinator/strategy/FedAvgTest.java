package io.factoryfl.coordinator.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.registry.ParticipantInfo;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FedAvgTest {
  private static final String SPEC = """
      {"name": "t", "model": {"template": "mlp", "hidden_layers": [2]},
       "dataset": {"name": "d", "numeric_features": ["x"], "label": "y"},
       "rounds": 5, "participants": {"min": 2, "max": 3, "fraction": 0.5}, "seed": 11}""";

  private final JobSpec spec = JobSpecParser.parse(SPEC);
  private final FedAvg fedAvg = new FedAvg(spec, 100);

  private static List<ParticipantInfo> sites(int n) {
    List<ParticipantInfo> sites = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      sites.add(new ParticipantInfo("site-" + i, List.of("d"), Instant.EPOCH));
    }
    return sites;
  }

  @Test
  void configureFit_samplesTheFractionWithinMinAndMax_reproducibly() {
    List<FitInstruction> first = fedAvg.configureFit(3, sites(10));
    assertEquals(3, first.size(), "half of 10 is 5, capped at participants.max = 3");
    assertEquals(first, fedAvg.configureFit(3, sites(10)), "the same round draws the same cohort");
    assertEquals(2, fedAvg.configureFit(1, sites(2)).size(), "never below participants.min");
  }

  @Test
  void aggregateFit_isTheExampleWeightedMean() {
    Aggregation aggregation = fedAvg.beginFit(1, new float[2]);
    aggregation.accept(new float[] {1, 10}, 1);
    aggregation.accept(new float[] {3, 30}, 3);
    FitOutcome outcome = fedAvg.aggregateFit(1, new float[2], aggregation, List.of(
        new FitResult("a", 1, Map.of("train_loss", 0.5)), new FitResult("b", 3, Map.of("train_loss", 0.1))),
        List.of());
    assertTrue(outcome.isCommitted());
    assertArrayEquals(new float[] {2.5f, 25f}, outcome.parameters());
    assertEquals((0.5 + 0.3) / 4, outcome.trainLoss(), 1e-12);
    assertEquals(4, outcome.totalExamples());
  }

  @Test
  void aggregateFit_capsAnInflatedExampleCountAtMaxExamplesPerSite() {
    FedAvg capped = new FedAvg(JobSpecParser.parse(SPEC.replace("\"seed\": 11",
        "\"seed\": 11, \"max_examples_per_site\": 10")), 100);
    Aggregation aggregation = capped.beginFit(1, new float[1]);
    aggregation.accept(new float[] {1}, 10);
    aggregation.accept(new float[] {0}, 1L << 29);
    FitOutcome outcome = capped.aggregateFit(1, new float[1], aggregation, List.of(
        new FitResult("honest", 10, Map.of()), new FitResult("liar", 1L << 29, Map.of())), List.of());
    assertArrayEquals(new float[] {0.5f}, outcome.parameters(),
        "a site claiming 2^29 examples weighs no more than the cap of 10");
    assertEquals(20, outcome.totalExamples());
  }

  @Test
  void aggregateSecureFit_addsTheUnmaskedMeanDeltaToTheBase_andReportsTheDecodedMeanLoss() {
    FitOutcome outcome = fedAvg.aggregateSecureFit(1, new float[] {1, 2}, new float[] {0.5f, -1},
        7, 0.3, List.of(new FitResult("a", 0, Map.of()), new FitResult("b", 0, Map.of())), List.of());
    assertTrue(outcome.isCommitted());
    assertArrayEquals(new float[] {1.5f, 1}, outcome.parameters());
    assertEquals(0.3, outcome.trainLoss(), 1e-12);
    assertEquals(7, outcome.totalExamples());
  }

  @Test
  void aggregateSecureFit_belowMinimum_doesNotCommitAndSaysWhy() {
    FitOutcome outcome = fedAvg.aggregateSecureFit(1, new float[] {1}, new float[] {1}, 3, 0.5,
        List.of(new FitResult("a", 0, Map.of())),
        List.of(new Failure("b", "DROPPED", "gone")));
    assertFalse(outcome.isCommitted());
    assertEquals("1 masked inputs were unmasked, 2 needed (participants.min); 1 failed",
        outcome.rejection());
  }
}
