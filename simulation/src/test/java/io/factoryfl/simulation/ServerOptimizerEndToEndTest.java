package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.job.ServerOptimizerSpec;
import io.factoryfl.core.job.ServerOptimizerSpec.Algorithm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job with a server optimiser and FedProx's proximal term runs through the real coordinator and
 * participants: the wrapper and the proximal term each change the committed model of plain
 * (deterministic) rounds, and secure rounds commit
 * with every site (so proximal_mu passes the sites' task checks and enters the same training
 * binding at every site).
 */
class ServerOptimizerEndToEndTest {
  @TempDir Path temp;

  private SimulationResult simulate(String name, boolean secure, ServerOptimizerSpec optimizer, double mu,
      StringBuilder log) throws Exception {
    SimulationConfig config = new SimulationConfig(4, 3, 21, temp.resolve(name), null, 1, 64, 0.003,
        List.of(16), 30, List.of(), secure, java.util.Map.of(), 0, optimizer, mu);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    SimulationResult result =
        new SimulationRunner(config, new PrintStream(bytes, true, StandardCharsets.UTF_8)).run();
    log.append(bytes.toString(StandardCharsets.UTF_8));
    return result;
  }

  @Test
  @Timeout(300)
  void serverOptimizerAndProximalTerm_eachChangeThePlainModel_andSecureRoundsCommit() throws Exception {
    StringBuilder log = new StringBuilder();
    ServerOptimizerSpec adagrad = Algorithm.ADAGRAD.defaults();
    SimulationResult fedAvg = simulate("fedavg", false, null, 0, log);
    SimulationResult plain = simulate("adagrad-plain", false, adagrad, 0, log);
    SimulationResult proximal = simulate("fedprox-plain", false, null, 0.1, log);
    SimulationResult secure = simulate("adagrad-secure", true, adagrad, 0.1, log);

    assertEquals(3, plain.rounds().size(), log.toString());
    assertNotEquals(fedAvg.modelHash(), plain.modelHash(), "the server optimiser took the step\n" + log);
    assertEquals(3, proximal.rounds().size(), log.toString());
    assertNotEquals(fedAvg.modelHash(), proximal.modelHash(), "the sites applied the pull\n" + log);
    assertEquals(3, secure.rounds().size(), log.toString());
    secure.rounds().forEach(r -> assertEquals(4, r.participants(), log.toString()));
    assertTrue(secure.federated().rocAuc() > 0.5, "a useful model: " + secure.federated() + "\n" + log);
  }
}
