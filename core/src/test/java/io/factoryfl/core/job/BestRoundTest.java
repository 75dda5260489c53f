package io.factoryfl.core.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.job.SelectionSpec.Mode;
import org.junit.jupiter.api.Test;

class BestRoundTest {

  /** Offers values for rounds 1, 2, ... and returns the tracker. */
  private static BestRound fed(Mode mode, double... values) {
    BestRound best = new BestRound(mode);
    for (int i = 0; i < values.length; i++) {
      best.offer(i + 1, values[i]);
    }
    return best;
  }

  @Test
  void max_keepsTheRoundWithTheLargestValue() {
    BestRound best = fed(Mode.MAX, 0.71, 0.80, 0.93, 0.88, 0.90);
    assertEquals(3, best.round());
    assertEquals(0.93, best.value());
    assertEquals(2, best.evaluationsSinceBest());
  }

  @Test
  void min_keepsTheRoundWithTheSmallestValue() {
    BestRound best = fed(Mode.MIN, 14.2, 12.9, 13.5, 12.1, 12.4);
    assertEquals(4, best.round());
    assertEquals(12.1, best.value());
  }

  @Test
  void aTie_keepsTheEarlierRound() {
    assertEquals(2, fed(Mode.MAX, 0.5, 0.9, 0.9, 0.9).round());
    assertEquals(1, fed(Mode.MIN, 3.0, 3.0).round());
    assertEquals(2, fed(Mode.MAX, 0.5, 0.9, 0.9).round());
  }

  @Test
  void nanAndInfinity_neverBecomeTheBest() {
    BestRound best = fed(Mode.MAX, Double.NaN, 0.6, Double.NaN, Double.POSITIVE_INFINITY);
    assertEquals(2, best.round());
    assertEquals(0.6, best.value());
    assertEquals(2, best.evaluationsSinceBest());

    BestRound none = fed(Mode.MIN, Double.NaN, Double.NaN);
    assertFalse(none.found());
    assertEquals(0, none.round());
    assertTrue(Double.isNaN(none.value()));
    assertEquals(2, none.evaluationsSinceBest(), "evaluations without a value count towards patience");
  }

  @Test
  void offer_saysWhetherTheRoundIsTheNewBest() {
    BestRound best = new BestRound(Mode.MAX);
    assertTrue(best.offer(1, 0.5));
    assertFalse(best.offer(2, 0.5));
    assertTrue(best.offer(3, 0.6));
    assertFalse(best.offer(4, Double.NaN));
  }

  @Test
  void patience_isExhaustedAfterThatManyEvaluationsWithoutImprovement() {
    BestRound best = new BestRound(Mode.MAX);
    best.offer(1, 0.7);
    best.offer(2, 0.8);
    best.offer(3, 0.79);
    assertFalse(best.patienceExhausted(2));
    best.offer(4, 0.8);  // a tie is no improvement
    assertTrue(best.patienceExhausted(2));
    assertFalse(best.patienceExhausted(3));
    best.offer(5, 0.81);
    assertFalse(best.patienceExhausted(1), "an improvement resets the count");
    assertFalse(best.patienceExhausted(0), "patience 0 never stops");
  }

  @Test
  void roundsMustComeInOrder() {
    BestRound best = fed(Mode.MAX, 0.1, 0.2, 0.3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> best.offer(3, 0.9));
    assertTrue(e.getMessage().contains("round 3 offered after round 3"), e.getMessage());
  }

  @Test
  void roundsMayBeSkipped_asWithEvaluateEvery() {
    BestRound best = new BestRound(Mode.MIN);
    best.offer(5, 2.0);
    best.offer(10, 1.0);
    best.offer(12, 1.5);
    assertEquals(10, best.round());
  }
}
