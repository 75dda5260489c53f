package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.core.job.ServerOptimizerSpec;
import io.factoryfl.core.job.ServerOptimizerSpec.Algorithm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The simulator's --server-optimizer and --proximal-mu reach the job spec, and bad values are usage errors. */
class ServerOptimizerOptionsTest {
  private static SimulationConfig config(ServerOptimizerSpec optimizer, double mu) {
    return new SimulationConfig(5, 20, 7, Path.of("out"), null, 2, 64, 0.003, List.of(64, 32), 120,
        List.of(), true, Map.of(), 0, optimizer, mu);
  }

  @Test
  void theSubmittedSpec_carriesTheServerOptimizerAndProximalMu() {
    ServerOptimizerSpec yogi = Algorithm.YOGI.defaults().withLearningRate(0.03);
    JobSpec spec = JobSpecParser.parse(config(yogi, 0.1).jobSpecJson());
    assertEquals(yogi, spec.serverOptimizer());
    assertEquals(0.1, spec.proximalMu());
    assertEquals(Algorithm.ADAGRAD.defaults(),
        JobSpecParser.parse(config(Algorithm.ADAGRAD.defaults(), 0).jobSpecJson()).serverOptimizer());
    JobSpec plain = JobSpecParser.parse(config(null, 0).jobSpecJson());
    assertNull(plain.serverOptimizer());
    assertEquals(0, plain.proximalMu());
    assertEquals("FedYogi 0.03 + FedProx 0.1", config(yogi, 0.1).strategyName());
  }

  @Test
  void badOptions_areUsageErrorsNamingTheFlagAndWhatIsAllowed() {
    assertUsageError("invalid --server-optimizer 'sgd': expected adam, yogi or adagrad, optionally"
        + " with :LR, e.g. adam:0.03", "--server-optimizer", "sgd");
    assertUsageError("invalid --server-optimizer 'adam:0': the server learning rate after ':' must be"
        + " a number in (0, 10], e.g. adam:0.03", "--server-optimizer", "adam:0");
    assertUsageError("--server-optimizer adam cannot be combined with --server-momentum: both decide"
        + " the server's step; choose one", "--server-optimizer", "adam", "--server-momentum", "0.5");
    assertUsageError("invalid --proximal-mu '-1': expected a number from 0 (none) to 1000.0, e.g. 0.01",
        "--proximal-mu", "-1");
    assertUsageError("--positive-weight was 'heavy'; it must be a number in (0, 1e6]", "--positive-weight", "heavy");
    assertUsageError("--positive-weight weights a class; the cmapss-fd003 scenario is a regression",
        "--scenario", "cmapss-fd003", "--positive-weight", "5");
  }

  @Test
  void aPositiveWeight_becomesTheSpecsClassWeights() {
    SimulationConfig weighted = new SimulationConfig(5, 20, 7, Path.of("out"), null, 2, 64, 0.003, List.of(64, 32), 120,
        List.of(), true, Map.of(), 0, null, 0, 5);
    assertEquals(List.of(1.0, 5.0), JobSpecParser.parse(weighted.jobSpecJson()).task().classWeights());
    assertEquals(List.of(), JobSpecParser.parse(config(null, 0).jobSpecJson()).task().classWeights());
  }

  private static void assertUsageError(String message, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = SimulationMain.run(args, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, code);
    String text = err.toString(StandardCharsets.UTF_8);
    assertTrue(text.startsWith("simulate: " + message), text);
  }
}
