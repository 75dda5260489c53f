package io.factoryfl.coordinator.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.strategy.Rounds.Update;
import io.factoryfl.core.job.InvalidJobSpecException;
import io.factoryfl.core.job.JobSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UpdateClippingTest {
  private static final float[] BASE = {1, 2};

  @Test
  void plainRound_clipsEachUpdatesDeltaFromTheBaseBeforeAveraging() {
    Strategy clipped = Rounds.strategy(Rounds.spec(1, 3, "{\"clip_norm\": 5}"), 2);
    float[] next = Rounds.parameters(clipped, BASE, List.of(new Update(new float[] {1 + 300, 2 + 400}, 7)));
    assertEquals(5.0, Rounds.distance(next, BASE), 5e-6, "one update, clipped to the norm");
    assertEquals(0.75, (next[0] - BASE[0]) / (next[1] - BASE[1]), 1e-6, "in its own direction");
  }

  @Test
  void plainRound_leavesAnUpdateWithinTheNormExactlyAsSent() {
    Strategy clipped = Rounds.strategy(Rounds.spec(1, 3, "{\"clip_norm\": 5}"), 2);
    float[] sent = {1 + 3, 2 - 4};
    assertArrayEquals(sent, Rounds.parameters(clipped, BASE, List.of(new Update(sent, 7))), 0f);
  }

  @Test
  void plainRound_composesWithTheMedian_whichThenSeesClippedUpdates() {
    Strategy clippedMedian =
        Rounds.strategy(Rounds.spec(3, 3, "{\"rule\": \"median\", \"clip_norm\": 1}"), 2);
    float[] next = Rounds.parameters(clippedMedian, new float[2], List.of(
        new Update(new float[] {10, 0}, 1), new Update(new float[] {0, 20}, 1),
        new Update(new float[] {30, 0}, 1)));
    // clipped: (1, 0), (0, 1), (1, 0) -> coordinate-wise median (1, 0)
    assertArrayEquals(new float[] {1, 0}, next, 1e-6f);
  }

  @Test
  void secureRound_boundsTheUnmaskedMeanDeltaWhateverTheSitesEncoded() {
    Strategy clipped = Rounds.strategy(Rounds.spec(2, 3, "{\"clip_norm\": 2}"), 2);
    FitOutcome outcome = clipped.aggregateSecureFit(1, BASE, new float[] {3000, -4000}, 20, 0.5,
        List.of(new FitResult("a", 0, Map.of()), new FitResult("b", 0, Map.of())), List.of());
    assertTrue(outcome.isCommitted());
    assertTrue(Rounds.distance(outcome.parameters(), BASE) <= 2 + 1e-5,
        "moved " + Rounds.distance(outcome.parameters(), BASE));
    FitOutcome honest = clipped.aggregateSecureFit(1, BASE, new float[] {0.5f, 0.5f}, 20, 0.5,
        List.of(new FitResult("a", 0, Map.of()), new FitResult("b", 0, Map.of())), List.of());
    assertArrayEquals(new float[] {1.5f, 2.5f}, honest.parameters(), 0f, "within the norm: unchanged");
  }

  @Test
  void clipping_refusesANonFiniteUpdateWithoutAddingIt() {
    Strategy clipped = Rounds.strategy(Rounds.spec(1, 3, "{\"clip_norm\": 5}"), 2);
    Aggregation aggregation = clipped.beginFit(1, BASE);
    assertThrows(IllegalArgumentException.class,
        () -> aggregation.accept(new float[] {Float.POSITIVE_INFINITY, 0}, 1));
    aggregation.accept(new float[] {2, 2}, 1);
    FitOutcome outcome = clipped.aggregateFit(1, BASE, aggregation,
        List.of(new FitResult("a", 1, Map.of())), List.of());
    assertArrayEquals(new float[] {2, 2}, outcome.parameters(), 0f);
  }

  @Test
  void wrap_withoutRobustAggregation_isTheInnerStrategyItself() {
    JobSpec spec = Rounds.spec(2, 3, null);
    FedAvg fedAvg = new FedAvg(spec, 10);
    assertSame(fedAvg, RobustStrategies.wrap(fedAvg, spec, 1_000_000_000L));
  }

  @Test
  void wrap_refusesARuleWhoseHeldUpdatesWouldExceedTheMemoryLimit() {
    JobSpec spec = Rounds.spec(3, 1000, "{\"rule\": \"median\"}");
    InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class,
        () -> RobustStrategies.wrap(new FedAvg(spec, 10), spec, 1_000_000));
    assertEquals("robust_aggregation.rule: was median, which holds every update of a round:"
        + " participants.max (1000) x 1000000 parameters x 4 bytes = 4.00 GB, above the"
        + " coordinator's limit of 1.07 GB. Lower participants.max to at most 268, use a smaller"
        + " model, or use rule fedavg with clip_norm, which streams updates in O(d) memory",
        e.getMessage());
    JobSpec streaming = Rounds.spec(3, 1000, "{\"clip_norm\": 1}");
    RobustStrategies.wrap(new FedAvg(streaming, 10), streaming, 1_000_000); // streams: accepted
  }
}
