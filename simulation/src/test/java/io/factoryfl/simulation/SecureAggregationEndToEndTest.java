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
 * Secure aggregation over real loopback mutual TLS: the five SecAgg+ stages run through the Fleet
 * service, and the coordinator, which only ever sees masked inputs, still commits the FedAvg
 * model, also when a site dies after sharing its keys.
 */
class SecureAggregationEndToEndTest {
  @TempDir Path temp;

  private SimulationResult simulate(Path out, boolean secure, List<Fault> faults, StringBuilder log)
      throws Exception {
    SimulationConfig config = new SimulationConfig(4, 3, 21, out, null, 1, 64, 0.003, List.of(16), 30,
        faults, secure, java.util.Map.of(), 0);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SimulationResult result =
        new SimulationRunner(config, new PrintStream(bytes, true, StandardCharsets.UTF_8)).run();
    log.append(bytes.toString(StandardCharsets.UTF_8));
    return result;
  }

  @Test
  @Timeout(240)
  void secureRounds_giveTheSameModelQualityAsPlainFedAvg() throws Exception {
    StringBuilder log = new StringBuilder();
    SimulationResult plain = simulate(temp.resolve("plain"), false, List.of(), log);
    SimulationResult secure = simulate(temp.resolve("secure"), true, List.of(), log);

    assertEquals(3, secure.rounds().size(), log.toString());
    secure.rounds().forEach(r -> assertEquals(4, r.participants(), log.toString()));
    assertEquals(plain.federated().rocAuc(), secure.federated().rocAuc(), 0.01,
        "only quantisation separates the two\n" + log);
  }

  @Test
  @Timeout(240)
  void siteDyingAfterSharingKeys_isUnmaskedAroundAndTheRoundCommits() throws Exception {
    StringBuilder log = new StringBuilder();
    SimulationResult result = simulate(temp.resolve("crash"), true,
        Fault.parseAll("crash:factory-2@2"), log);

    assertEquals(3, result.rounds().size(), log.toString());
    assertEquals(4, result.rounds().get(0).participants(), log.toString());
    assertEquals(3, result.rounds().get(1).participants(),
        "round 2 commits with the three survivors; factory-2's pairwise masks were reconstructed\n" + log);
    assertTrue(log.toString().contains("round 2: dropped factory-2"), log.toString());
    assertTrue(Double.isFinite(result.federated().rocAuc()), log.toString());
  }
}
