package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole federations over real loopback sockets with mutual TLS: the real coordinator, real
 * participant agents reading their config files, DL4J training at each site.
 */
class FederationEndToEndTest {
  @TempDir Path temp;

  private SimulationResult simulate(Path out, long seed) throws Exception {
    SimulationConfig config = new SimulationConfig(3, 4, seed, out, null, 2, 64, 0.003, List.of(32, 16), 60, List.of(), false, java.util.Map.of(), 0);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    SimulationResult result = new SimulationRunner(config, new PrintStream(log, true, StandardCharsets.UTF_8)).run();
    SimulationReport.write(result, out);
    return result;
  }

  @Test
  @Timeout(180)
  void federation_trainsAcrossSitesAndBeatsTheFactoriesAlone() throws Exception {
    Path out = temp.resolve("run");
    SimulationResult result = simulate(out, 11);

    assertEquals(4, result.rounds().size(), "one committed round per requested round");
    for (RoundRecord round : result.rounds()) {
      assertEquals(3, round.participants(), "every factory contributes to round " + round.round());
    }
    assertTrue(result.rounds().get(3).rocAuc() > result.rounds().get(0).rocAuc(),
        "federated evaluation improves over the rounds: " + result.rounds());
    assertTrue(result.federated().rocAuc() > 0.75, "federated ROC-AUC " + result.federated());
    assertTrue(result.federated().rocAuc() > result.meanLocalRocAuc(),
        "federated " + result.federated() + " beats the mean of the factories alone " + result.localOnly());

    // The coordinator's ROC-AUC comes from the sites' log-odds histograms; the simulator scores the
    // same model on the same rows exactly: they agree within 0.001, as the report prints.
    RoundRecord last = result.rounds().get(3);
    assertEquals(result.federated().rocAuc(), last.rocAuc(), 1e-3, "histogram vs exact ROC-AUC");
    assertTrue(last.rocAucBound() < 1e-3, "reported bound " + last.rocAucBound());

    JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertEquals(result.federated().rocAuc(), summary.at("/final/federated/roc_auc").asDouble());
    assertEquals(3, summary.at("/final/local_only").size());
    assertEquals(5, Files.readAllLines(out.resolve("rounds.csv")).size(), "header + 4 rounds");
    assertTrue(Files.size(out.resolve("global-model.zip")) > 0);
    assertTrue(Files.exists(out.resolve("ca.pem")));
  }

  @Test
  @Timeout(240)
  void sameSeed_givesTheSameGlobalModel() throws Exception {
    SimulationResult first = simulate(temp.resolve("a"), 5);
    SimulationResult second = simulate(temp.resolve("b"), 5);
    assertEquals(first.modelHash(), second.modelHash(),
        "sites finish in a different order each run, yet the aggregate must be bit-identical");
    assertEquals(first.federated(), second.federated());
    assertEquals(first.centralized(), second.centralized());
  }
}
