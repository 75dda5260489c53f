package io.factoryfl.core.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.job.ServerOptimizerSpec.Algorithm;
import org.junit.jupiter.api.Test;

/** {@code server_optimizer} and {@code training.proximal_mu}: defaults, and every refusal names field, value and range. */
class ServerOptimizerSpecTest {
  private static String spec(String extraTop, String extraTraining) {
    return """
        {"name": "t", "model": {"template": "mlp", "hidden_layers": [4]},
         "dataset": {"name": "d", "numeric_features": ["x"], "label": "y"},
         "training": {"learning_rate": 0.01%s}%s}"""
        .formatted(extraTraining == null ? "" : ", " + extraTraining,
            extraTop == null ? "" : ", " + extraTop);
  }

  private static ServerOptimizerSpec optimizer(String block) {
    return JobSpecParser.parse(spec("\"server_optimizer\": " + block, null)).serverOptimizer();
  }

  private static InvalidJobSpecException invalid(String extraTop, String extraTraining) {
    return assertThrows(InvalidJobSpecException.class,
        () -> JobSpecParser.parse(spec(extraTop, extraTraining)));
  }

  private static InvalidJobSpecException invalidOptimizer(String block) {
    return invalid("\"server_optimizer\": " + block, null);
  }

  @Test
  void absentBlock_meansNoServerOptimizerAndNoProximalTerm() {
    JobSpec spec = JobSpecParser.parse(spec(null, null));
    assertNull(spec.serverOptimizer());
    assertEquals(0, spec.proximalMu());
  }

  @Test
  void eachOptimizer_takesFlowersDefaults() {
    assertEquals(new ServerOptimizerSpec(Algorithm.ADAM, 0.1, 0.9, 0.99, 1e-9), optimizer("{\"name\": \"adam\"}"));
    assertEquals(new ServerOptimizerSpec(Algorithm.YOGI, 0.01, 0.9, 0.99, 1e-3), optimizer("{\"name\": \"yogi\"}"));
    assertEquals(new ServerOptimizerSpec(Algorithm.ADAGRAD, 0.1, 0, 0, 1e-9),
        optimizer("{\"name\": \"adagrad\"}"));
  }

  @Test
  void givenFields_overrideTheDefaults() {
    assertEquals(new ServerOptimizerSpec(Algorithm.YOGI, 0.03, 0.5, 0.9, 0.01), optimizer(
        "{\"name\": \"yogi\", \"learning_rate\": 0.03, \"beta1\": 0.5, \"beta2\": 0.9, \"tau\": 0.01}"));
    assertEquals(0.5, optimizer("{\"name\": \"adagrad\", \"beta1\": 0.5}").beta1());
  }

  @Test
  void name_isRequiredAndMustBeKnown() {
    InvalidJobSpecException missing = invalidOptimizer("{\"learning_rate\": 0.1}");
    assertEquals("server_optimizer.name", missing.field());
    assertEquals("server_optimizer.name: is required; allowed: adam, yogi, adagrad", missing.getMessage());

    InvalidJobSpecException unknown = invalidOptimizer("{\"name\": \"sgd\"}");
    assertEquals("server_optimizer.name: unknown server optimiser \"sgd\"; allowed: adam, yogi, adagrad",
        unknown.getMessage());
  }

  @Test
  void learningRate_mustBeInZeroToTen() {
    for (String bad : new String[] {"0", "-0.1", "11", "\"fast\""}) {
      InvalidJobSpecException e = invalidOptimizer("{\"name\": \"adam\", \"learning_rate\": " + bad + "}");
      assertEquals("server_optimizer.learning_rate", e.field());
      assertTrue(e.getMessage().contains("0.0") && e.getMessage().contains("10.0"), e.getMessage());
    }
    assertEquals("server_optimizer.learning_rate: was 0; must be greater than 0.0 and at most 10.0",
        invalidOptimizer("{\"name\": \"adam\", \"learning_rate\": 0}").getMessage());
  }

  @Test
  void betas_mustBeInTheHalfOpenUnitInterval() {
    for (String field : new String[] {"beta1", "beta2"}) {
      for (String bad : new String[] {"1", "1.5", "-0.1", "\"x\""}) {
        InvalidJobSpecException e = invalidOptimizer("{\"name\": \"adam\", \"" + field + "\": " + bad + "}");
        assertEquals("server_optimizer." + field, e.field());
        assertEquals("server_optimizer." + field + ": was " + bad
            + "; must be a number from 0 up to, but not including, 1 (e.g. 0.9)", e.getMessage());
      }
    }
  }

  @Test
  void beta2_isRefusedForAdagrad() {
    InvalidJobSpecException e = invalidOptimizer("{\"name\": \"adagrad\", \"beta2\": 0.99}");
    assertEquals("server_optimizer.beta2", e.field());
    assertTrue(e.getMessage().contains("has no effect with adagrad"), e.getMessage());
  }

  @Test
  void tau_mustBePositiveAndAtMostOne() {
    for (String bad : new String[] {"0", "-1e-9", "2"}) {
      InvalidJobSpecException e = invalidOptimizer("{\"name\": \"yogi\", \"tau\": " + bad + "}");
      assertEquals("server_optimizer.tau", e.field());
      assertTrue(e.getMessage().contains("must be greater than 0.0 and at most 1.0"), e.getMessage());
    }
  }

  @Test
  void unknownField_isRefusedListingTheAllowedOnes() {
    InvalidJobSpecException e = invalidOptimizer("{\"name\": \"adam\", \"momentum\": 0.9}");
    assertEquals("server_optimizer.momentum", e.field());
    assertEquals("server_optimizer.momentum: unknown field; allowed fields here are"
        + " [beta1, beta2, learning_rate, name, tau]", e.getMessage());
  }

  @Test
  void aServerOptimizerWithServerMomentum_isRefused() {
    InvalidJobSpecException e = invalid("\"server_momentum\": 0.5, \"server_optimizer\": {\"name\": \"adam\"}", null);
    assertEquals("server_optimizer", e.field());
    assertTrue(e.getMessage().startsWith("server_optimizer: cannot be combined with server_momentum (was 0.5)"),
        e.getMessage());
    assertEquals(Algorithm.ADAM, JobSpecParser.parse(spec(
        "\"server_momentum\": 0, \"server_optimizer\": {\"name\": \"adam\"}", null)).serverOptimizer().algorithm());
  }

  @Test
  void proximalMu_isKeptAndBounded() {
    assertEquals(0.1, JobSpecParser.parse(spec(null, "\"proximal_mu\": 0.1")).proximalMu());
    assertEquals(0, JobSpecParser.parse(spec(null, "\"proximal_mu\": 0")).proximalMu());
    for (String bad : new String[] {"-0.01", "1001", "\"0.1\"", "true"}) {
      InvalidJobSpecException e = invalid(null, "\"proximal_mu\": " + bad);
      assertEquals("training.proximal_mu", e.field());
      assertEquals("training.proximal_mu: was " + bad + "; must be a number from 0 (no proximal term)"
          + " to 1000.0 (FedProx; 0.001 to 1 are usual)", e.getMessage());
    }
  }

  @Test
  void proximalMu_thatWouldOvershootTheGlobalModel_isRefused() {
    // learning_rate 0.01: mu up to 100 pulls at most all the way back
    assertEquals(100, JobSpecParser.parse(spec(null, "\"proximal_mu\": 100")).proximalMu());
    InvalidJobSpecException e = invalid(null, "\"proximal_mu\": 500");
    assertEquals("training.proximal_mu", e.field());
    assertTrue(e.getMessage().contains("learning_rate * proximal_mu = 5.0 of the way back"), e.getMessage());
    assertTrue(e.getMessage().endsWith("so proximal_mu must be at most 100.0"), e.getMessage());
  }

  @Test
  void theRecord_refusesValuesOutsideItsRanges() {
    assertThrows(IllegalArgumentException.class, () -> new ServerOptimizerSpec(null, 0.1, 0.9, 0.99, 1e-9));
    assertThrows(IllegalArgumentException.class,
        () -> new ServerOptimizerSpec(Algorithm.ADAGRAD, 0.1, 0, 0.99, 1e-9));
    assertThrows(IllegalArgumentException.class,
        () -> new ServerOptimizerSpec(Algorithm.ADAM, Double.NaN, 0.9, 0.99, 1e-9));
    assertEquals(0.03, Algorithm.ADAM.defaults().withLearningRate(0.03).learningRate());
  }
}
