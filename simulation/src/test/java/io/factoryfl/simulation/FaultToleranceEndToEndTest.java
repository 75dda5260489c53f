package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A federation survives what plants do to it: a node that dies mid-round and a straggler past the
 * deadline are dropped from that round, the round is retried when too few updates came in, and
 * the job still finishes.
 */
class FaultToleranceEndToEndTest {
  @TempDir Path temp;

  @Test
  @Timeout(180)
  void crashAndStraggler_areDroppedAndTheRoundIsRetriedNotAborted() throws Exception {
    // 4 factories, participants.min = ceil(0.6 * 4) = 3. In round 2 factory-2 dies for good and
    // factory-3 answers after the deadline: 2 usable updates < 3, so round 2 is retried with the
    // three nodes still alive (factory-3 is back after its slow round) and commits.
    SimulationConfig config = new SimulationConfig(4, 3, 3, temp, null, 1, 64, 0.003, List.of(16), 12,
        Fault.parseAll("crash:factory-2@2,slow:factory-3@2"), false,
        java.util.Map.of(), 0);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    SimulationResult result =
        new SimulationRunner(config, new PrintStream(log, true, StandardCharsets.UTF_8)).run();
    String output = log.toString(StandardCharsets.UTF_8);

    assertEquals(3, result.rounds().size(), output);
    assertEquals(4, result.rounds().get(0).participants(), output);
    assertEquals(3, result.rounds().get(1).participants(), "round 2 committed without the dead node\n" + output);
    assertEquals(3, result.rounds().get(2).participants(), output);
    assertTrue(output.contains("round 2: dropped factory-2"), output);
    assertTrue(output.contains("round 2: dropped factory-3: no result before the round deadline"), output);
    assertTrue(output.contains("round 2: attempt 1 failed, retrying"), output);
    assertTrue(Double.isFinite(result.federated().rocAuc()), output);
  }
}
