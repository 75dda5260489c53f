package io.factoryfl.coordinator.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.core.job.ServerOptimizerSpec;
import io.factoryfl.core.job.ServerOptimizerSpec.Algorithm;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * FedAdam, FedYogi, FedAdagrad against values computed by hand from Algorithm 2 of Reddi et al.
 * (m_0 = 0, v_0 = tau^2, no bias correction); the comments give the arithmetic.
 */
class AdaptiveServerOptimizerTest {
  private static final double TOLERANCE = 1e-6;
  private static final String SPEC = """
      {"name": "t", "model": {"template": "mlp", "hidden_layers": [2]},
       "dataset": {"name": "d", "numeric_features": ["x"], "label": "y"},
       "participants": {"min": 2}}""";

  private final FedAvg fedAvg = new FedAvg(JobSpecParser.parse(SPEC), 100);
  private final List<FitResult> two =
      List.of(new FitResult("a", 0, Map.of()), new FitResult("b", 0, Map.of()));

  private static AdaptiveServerOptimizer optimizer(Strategy inner, Algorithm algorithm, double eta,
      double beta1, double beta2, double tau) {
    return new AdaptiveServerOptimizer(inner, new ServerOptimizerSpec(algorithm, eta, beta1, beta2, tau));
  }

  /** One secure round whose unmasked mean delta is {@code delta}. */
  private float[] secureStep(Strategy strategy, float[] base, float... delta) {
    FitOutcome outcome = strategy.aggregateSecureFit(1, base, delta, 2, 0.5, two, List.of());
    assertTrue(outcome.isCommitted(), String.valueOf(outcome.rejection()));
    return outcome.parameters();
  }

  private static void assertClose(double expected, float actual) {
    assertEquals(expected, actual, TOLERANCE);
  }

  @Test
  void adam_firstStepMovesEveryCoordinateByEta_andTheSecondFollowsTheMoments() {
    AdaptiveServerOptimizer adam = optimizer(fedAvg, Algorithm.ADAM, 0.1, 0.9, 0.99, 1e-9);
    // delta 0.5: m = 0.1 * 0.5 = 0.05, v = 0.01 * 0.25 = 0.0025, step = 0.1 * 0.05 / 0.05 = 0.1
    // delta -0.02: m = -0.002, v = 4e-6, step = 0.1 * -0.002 / 0.002 = -0.1 (minus tau's share)
    float[] first = secureStep(adam, new float[] {0f, 0f}, 0.5f, -0.02f);
    assertClose(0.1, first[0]);
    assertClose(-0.09999995, first[1]);
    // delta 0.5 again: m = 0.9 * 0.05 + 0.05 = 0.095, v = 0.99 * 0.0025 + 0.0025 = 0.004975,
    //   step = 0.1 * 0.095 / sqrt(0.004975) = 0.1346874
    // delta 0.04: m = 0.9 * -0.002 + 0.004 = 0.0022, v = 0.99 * 4e-6 + 1.6e-5 = 1.996e-5,
    //   step = 0.1 * 0.0022 / sqrt(1.996e-5) = 0.0492428: momentum still carries the old sign's memory
    float[] second = secureStep(adam, first, 0.5f, 0.04f);
    assertClose(0.2346874, second[0]);
    assertClose(-0.0507572, second[1]);
  }

  @Test
  void yogi_movesTheSecondMomentAdditivelyTowardsDeltaSquared() {
    // Round 1, delta 1: v = tau^2 + 0.01 (same as adam), m = 0.1, step = 0.1 * 0.1 / 0.1 = 0.1.
    // Round 2, delta 0.05, delta^2 = 0.0025 < v: yogi lowers v by 0.01 * 0.0025 to 0.009975
    //   (adam: 0.99 * 0.01 + 0.000025 = 0.009925); m = 0.095; step = 0.1 * 0.095 / sqrt(v).
    float[] yogiSmall = twoSteps(Algorithm.YOGI, 1f, 0.05f);
    float[] adamSmall = twoSteps(Algorithm.ADAM, 1f, 0.05f);
    assertClose(0.1951170, yogiSmall[0]);
    assertClose(0.1953563, adamSmall[0]);
    // Round 2, delta 2, delta^2 = 4 > v: yogi raises v by 0.01 * 4 to 0.05
    //   (adam: 0.0099 + 0.04 = 0.0499); m = 0.09 + 0.2 = 0.29.
    float[] yogiLarge = twoSteps(Algorithm.YOGI, 1f, 2f);
    float[] adamLarge = twoSteps(Algorithm.ADAM, 1f, 2f);
    assertClose(0.2296904, yogiLarge[0]);
    assertClose(0.2298202, adamLarge[0]);
  }

  private float[] twoSteps(Algorithm algorithm, float firstDelta, float secondDelta) {
    AdaptiveServerOptimizer optimizer = optimizer(fedAvg, algorithm, 0.1, 0.9, 0.99, 1e-6);
    float[] first = secureStep(optimizer, new float[] {0f}, firstDelta);
    assertClose(0.099999, first[0]);
    return secureStep(optimizer, first, secondDelta);
  }

  @Test
  void adagrad_sumsSquaresSoItsStepsShrink() {
    AdaptiveServerOptimizer adagrad = optimizer(fedAvg, Algorithm.ADAGRAD, 0.1, 0, 0, 1e-9);
    // delta 0.5 twice, beta1 0: m = 0.5; v = 0.25 then 0.5; steps 0.1 * 0.5 / 0.5 = 0.1, then
    // 0.1 * 0.5 / sqrt(0.5) = 0.0707107
    float[] first = secureStep(adagrad, new float[] {0f}, 0.5f);
    assertClose(0.1, first[0]);
    float[] second = secureStep(adagrad, first, 0.5f);
    assertClose(0.1707107, second[0]);
  }

  @Test
  void tau_boundsTheAdaptivity() {
    // delta 0.001: with tau 1e-9 the step is normalised to eta (0.1 * 0.001 / 0.001); with tau 1
    // it is 0.1 * 0.001 / (sqrt(1 + 1e-6) + 1) = 5e-5, a plain scaled gradient step
    float[] adaptive = secureStep(optimizer(fedAvg, Algorithm.ADAGRAD, 0.1, 0, 0, 1e-9), new float[] {0f}, 0.001f);
    float[] damped = secureStep(optimizer(fedAvg, Algorithm.ADAGRAD, 0.1, 0, 0, 1), new float[] {0f}, 0.001f);
    assertClose(0.0999999, adaptive[0]);
    assertEquals(4.99999875e-5, damped[0], 1e-10);
  }

  @Test
  void state_persistsAcrossRounds() {
    AdaptiveServerOptimizer continuing = optimizer(fedAvg, Algorithm.ADAM, 0.1, 0.9, 0.99, 1e-9);
    float[] first = secureStep(continuing, new float[] {0f}, 0.5f);
    float[] second = secureStep(continuing, first, 0.5f);
    float[] fresh = secureStep(optimizer(fedAvg, Algorithm.ADAM, 0.1, 0.9, 0.99, 1e-9), first, 0.5f);
    assertClose(0.2346874, second[0]);
    assertClose(0.2, fresh[0]);
  }

  @Test
  void aRoundTheWrappedStrategyDeclines_passesThroughAndLeavesTheStateAlone() {
    AdaptiveServerOptimizer adam = optimizer(fedAvg, Algorithm.ADAM, 0.1, 0.9, 0.99, 1e-9);
    FitOutcome declined = adam.aggregateSecureFit(1, new float[] {0f}, new float[] {0.5f}, 1, 0.5,
        List.of(new FitResult("a", 0, Map.of())), List.of());
    assertFalse(declined.isCommitted());
    assertEquals(fedAvg.aggregateSecureFit(1, new float[] {0f}, new float[] {0.5f}, 1, 0.5,
        List.of(new FitResult("a", 0, Map.of())), List.of()).rejection(), declined.rejection());
    // the next committed round is a first step: exactly eta
    assertClose(0.1, secureStep(adam, new float[] {0f}, 0.5f)[0]);
  }

  @Test
  void plainRounds_takeTheSameStepAsSecureRounds() {
    Strategy plainFedAvg = Rounds.strategy(Rounds.spec(2, 10, null), 2);
    AdaptiveServerOptimizer plain = optimizer(plainFedAvg, Algorithm.YOGI, 0.01, 0.9, 0.99, 1e-3);
    AdaptiveServerOptimizer secure = optimizer(fedAvg, Algorithm.YOGI, 0.01, 0.9, 0.99, 1e-3);
    float[] base = {1f, -1f};
    // two sites whose example-weighted mean is base + (0.3, -0.06)
    float[] plainNext = Rounds.parameters(plain, base, List.of(
        new Rounds.Update(new float[] {1.2f, -1.1f}, 100), new Rounds.Update(new float[] {1.4f, -1.02f}, 100)));
    float[] secureNext = secureStep(secure, base, 0.3f, -0.06f);
    assertArrayEquals(secureNext, plainNext, 1e-6f);
    assertTrue(plainNext[0] > base[0] && plainNext[1] < base[1], "steps follow the mean delta's sign");
  }

  @Test
  void trainLossAndExampleCount_areTheWrappedStrategys() {
    FitOutcome outcome = optimizer(fedAvg, Algorithm.ADAM, 0.1, 0.9, 0.99, 1e-9)
        .aggregateSecureFit(1, new float[] {0f}, new float[] {0.5f}, 1234, 0.25, two, List.of());
    assertEquals(0.25, outcome.trainLoss());
    assertEquals(1234, outcome.totalExamples());
  }
}
