package io.factoryfl.coordinator.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.factoryfl.core.job.JobSpecParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerMomentumTest {
  private static final String SPEC = """
      {"name": "t", "model": {"template": "mlp", "hidden_layers": [2]},
       "dataset": {"name": "d", "numeric_features": ["x"], "label": "y"},
       "participants": {"min": 2}, "server_momentum": 0.5}""";

  private final FedAvg fedAvg = new FedAvg(JobSpecParser.parse(SPEC), 100);
  private final List<FitResult> two =
      List.of(new FitResult("a", 0, Map.of()), new FitResult("b", 0, Map.of()));

  @Test
  void repeatedSteps_accumulateVelocity() {
    ServerMomentum momentum = new ServerMomentum(fedAvg, 0.5);
    float[] base = {0f};
    float[] first = momentum.aggregateSecureFit(1, base, new float[] {1f}, 2, 0.5, two, List.of()).parameters();
    assertArrayEquals(new float[] {1f}, first, "first step: velocity = step");
    float[] second = momentum.aggregateSecureFit(2, first, new float[] {1f}, 2, 0.5, two, List.of()).parameters();
    assertArrayEquals(new float[] {2.5f}, second, "second step: 0.5 * 1 + 1 = 1.5 further");
  }

  @Test
  void zeroMomentum_isExactlyTheWrappedStrategy() {
    ServerMomentum momentum = new ServerMomentum(fedAvg, 0);
    float[] base = {1f, 2f};
    FitOutcome plain = fedAvg.aggregateSecureFit(1, base, new float[] {0.25f, -1f}, 2, 0.5, two, List.of());
    FitOutcome wrapped = momentum.aggregateSecureFit(1, base, new float[] {0.25f, -1f}, 2, 0.5, two, List.of());
    assertArrayEquals(plain.parameters(), wrapped.parameters());
  }

  @Test
  void aRoundTheWrappedStrategyDeclines_isDeclined() {
    ServerMomentum momentum = new ServerMomentum(fedAvg, 0.5);
    FitOutcome outcome = momentum.aggregateSecureFit(1, new float[] {0f}, new float[] {1f}, 1, 0.5,
        List.of(new FitResult("a", 0, Map.of())), List.of());
    assertFalse(outcome.isCommitted());
  }

  @Test
  void momentumOutsideTheUnitInterval_isRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new ServerMomentum(fedAvg, 1.0));
    assertEquals("server momentum must be in [0, 1), got 1.0", e.getMessage());
  }

  @Test
  void specServerMomentumOfOne_isRefusedNamingTheField() {
    var e = assertThrows(io.factoryfl.core.job.InvalidJobSpecException.class,
        () -> JobSpecParser.parse(SPEC.replace("0.5", "1")));
    assertEquals("server_momentum", e.field());
  }
}
