package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Plant IT's policy is obeyed: a site that requires secure aggregation refuses a plain job. */
class SitePolicyEndToEndTest {
  @TempDir Path temp;

  @Test
  @Timeout(180)
  void siteRequiringSecureAggregation_refusesPlainTraining_andTheReasonReachesTheJobEvents()
      throws Exception {
    Path policy = temp.resolve("strict.json");
    Files.writeString(policy, "{\"secure_aggregation\": {\"required\": true}}");
    SimulationConfig config = new SimulationConfig(4, 2, 9, temp.resolve("out"), null, 1, 64, 0.003,
        List.of(16), 20, List.of(), false, Map.of("factory-3", policy), 0);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SimulationResult result =
        new SimulationRunner(config, new PrintStream(bytes, true, StandardCharsets.UTF_8)).run();
    String log = bytes.toString(StandardCharsets.UTF_8);

    assertEquals(2, result.rounds().size(), log);
    result.rounds().forEach(r -> assertEquals(3, r.participants(), "factory-3 trains nothing\n" + log));
    assertTrue(log.contains("round 1: factory-3 refused the task: [policy] site policy:"), log);
    assertTrue(log.contains("secure aggregation"), log);
  }
}
