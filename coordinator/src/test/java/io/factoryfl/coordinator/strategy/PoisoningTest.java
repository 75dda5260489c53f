package io.factoryfl.coordinator.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.strategy.Rounds.Update;
import io.factoryfl.core.aggregate.L2Clip;
import io.factoryfl.core.job.JobSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * One malicious site among five sends a poisoned update; each defence must keep the round's model
 * within its documented bound (computed here from the rule's maths), while plain FedAvg is moved
 * far beyond it. The attacks: the site's delta scaled by 1000, the same flipped in sign, and an
 * all-zero model claiming 2^29 examples (the attack).
 */
class PoisoningTest {
  private static final int D = 64;
  private static final int HONEST = 4;
  private static final long HONEST_EXAMPLES = 100;
  private static final double CLIP = 1.0;

  private final float[] base = new float[D];
  private final List<float[]> honest = new ArrayList<>();
  private final float[] attackerHonestDelta = new float[D];

  PoisoningTest() {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < D; i++) {
      base[i] = (float) (3 * random.nextGaussian());
    }
    for (int j = 0; j <= HONEST; j++) {
      float[] update = new float[D];
      for (int i = 0; i < D; i++) {
        update[i] = base[i] + (float) (0.05 + 0.08 * random.nextGaussian());
      }
      if (j < HONEST) {
        honest.add(update);
      } else {
        for (int i = 0; i < D; i++) {
          attackerHonestDelta[i] = update[i] - base[i];
        }
      }
    }
  }

  private enum Attack {
    SCALED_X1000, SIGN_FLIPPED_X1000, INFLATED_WEIGHT;

    Update update(float[] base, float[] delta) {
      float[] poisoned = new float[base.length];
      for (int i = 0; i < base.length; i++) {
        poisoned[i] = switch (this) {
          case SCALED_X1000 -> base[i] + 1000 * delta[i];
          case SIGN_FLIPPED_X1000 -> base[i] - 1000 * delta[i];
          case INFLATED_WEIGHT -> 0f;
        };
      }
      return new Update(poisoned, this == INFLATED_WEIGHT ? 1L << 29 : HONEST_EXAMPLES);
    }
  }

  private List<Update> round(Attack attack) {
    List<Update> updates = new ArrayList<>();
    for (float[] update : honest) {
      updates.add(new Update(update, HONEST_EXAMPLES));
    }
    updates.add(attack.update(base, attackerHonestDelta));
    return updates;
  }

  private float[] run(String robust, Attack attack) {
    JobSpec spec = Rounds.spec(5, 5, robust);
    return Rounds.parameters(Rounds.strategy(spec, D), base, round(attack));
  }

  /** The honest sites' range for each coordinate, [min, max]. */
  private float[][] honestRange() {
    float[] low = new float[D];
    float[] high = new float[D];
    for (int i = 0; i < D; i++) {
      low[i] = Float.POSITIVE_INFINITY;
      high[i] = Float.NEGATIVE_INFINITY;
      for (float[] update : honest) {
        low[i] = Math.min(low[i], update[i]);
        high[i] = Math.max(high[i], update[i]);
      }
    }
    return new float[][] {low, high};
  }

  /** The largest distance a model within the honest range can be from the honest mean. */
  private double honestRangeRadius() {
    float[][] range = honestRange();
    float[] mean = honestMean();
    double sum = 0;
    for (int i = 0; i < D; i++) {
      double far = Math.max(mean[i] - range[0][i], range[1][i] - mean[i]);
      sum += far * far;
    }
    return Math.sqrt(sum);
  }

  private float[] honestMean() {
    float[] mean = new float[D];
    for (int i = 0; i < D; i++) {
      double sum = 0;
      for (float[] update : honest) {
        sum += update[i];
      }
      mean[i] = (float) (sum / honest.size());
    }
    return mean;
  }

  private void assertWithinHonestRange(float[] model, String what) {
    float[][] range = honestRange();
    for (int i = 0; i < D; i++) {
      assertTrue(model[i] >= range[0][i] && model[i] <= range[1][i], what + ": coordinate " + i
          + " = " + model[i] + " outside the honest range [" + range[0][i] + ", " + range[1][i] + "]");
    }
  }

  /** Plain FedAvg is the control: each attack must move it far beyond the robust bounds. */
  private void assertFedAvgIsWrecked(Attack attack, double robustBound) {
    double moved = Rounds.distance(run(null, attack), honestMean());
    assertTrue(moved > 10 * robustBound, attack + " moved plain FedAvg by only " + moved
        + ", the attack is not strong enough to show anything");
  }

  @Test
  void median_keepsEveryCoordinateWithinTheHonestRange_underEachAttack() {
    for (Attack attack : Attack.values()) {
      float[] model = run("{\"rule\": \"median\"}", attack);
      assertWithinHonestRange(model, "median under " + attack);
      assertFedAvgIsWrecked(attack, honestRangeRadius());
    }
  }

  @Test
  void trimmedMean_keepsEveryCoordinateWithinTheHonestRange_underEachAttack() {
    for (Attack attack : Attack.values()) {
      float[] model = run("{\"rule\": \"trimmed_mean\", \"trim_fraction\": 0.2}", attack);
      assertWithinHonestRange(model, "trimmed mean under " + attack);
      assertFedAvgIsWrecked(attack, honestRangeRadius());
    }
  }

  @Test
  void multiKrum_leavesTheOutlierOutAndReturnsTheHonestMean_underEachAttack() {
    for (Attack attack : Attack.values()) {
      float[] model = run("{\"rule\": \"multi_krum\", \"byzantine\": 1}", attack);
      assertArrayEquals(honestMean(), model, 1e-6f, "multi-Krum under " + attack
          + " averages exactly the n - f = 4 honest updates");
      assertWithinHonestRange(model, "multi-Krum under " + attack);
    }
  }

  /**
   * Clipped FedAvg: the poisoned aggregate P and the aggregate A of the honest sites alone differ
   * by {@code w (c - A) / (W + w)} for the attacker's clipped delta c and capped weight w, so
   * {@code |P - A| <= 2 C w / (W + w)}; and every round moves the model by at most C.
   */
  @Test
  void clippedFedAvg_movesTheModelByAtMostTwoCTimesTheAttackersWeightShare_underEachAttack() {
    for (Attack attack : Attack.values()) {
      JobSpec spec = Rounds.spec(5, 5, "{\"clip_norm\": " + CLIP + "}");
      float[] model = run("{\"clip_norm\": " + CLIP + "}", attack);
      long w = spec.cappedWeight(attack.update(base, attackerHonestDelta).numExamples());
      long honestWeight = HONEST * HONEST_EXAMPLES;
      JobSpec fourSites = Rounds.spec(4, 5, "{\"clip_norm\": " + CLIP + "}");
      float[] honestOnly = Rounds.parameters(Rounds.strategy(fourSites, D), base,
          round(attack).subList(0, HONEST));
      double bound = 2 * CLIP * w / (honestWeight + w) + 1e-5;
      double moved = Rounds.distance(model, honestOnly);
      assertTrue(moved <= bound, attack + ": moved " + moved + " from the honest aggregate, bound "
          + bound);
      assertTrue(Rounds.distance(model, base) <= CLIP + 1e-5, "a round moves at most C");
      assertFedAvgIsWrecked(attack, 2 * CLIP * HONEST_EXAMPLES / (honestWeight + HONEST_EXAMPLES));
    }
  }

  @Test
  void clippedFedAvg_letsAnInflatedWeightTakeTheCapsShare_soATightCapShrinksIt() {
    String robust = "{\"clip_norm\": " + CLIP + "}";
    float[] loose = Rounds.parameters(Rounds.strategy(Rounds.spec(5, 5, robust), D), base,
        round(Attack.INFLATED_WEIGHT));
    float[] tight = Rounds.parameters(Rounds.strategy(specWithCap(robust, HONEST_EXAMPLES), D), base,
        round(Attack.INFLATED_WEIGHT));
    double looseDistance = Rounds.distance(loose, honestMean());
    double tightDistance = Rounds.distance(tight, honestMean());
    assertTrue(tightDistance < looseDistance / 2, "with max_examples_per_site = the honest count"
        + " the liar weighs one fifth: " + tightDistance + " vs " + looseDistance);
    assertTrue(tightDistance <= 2 * CLIP / 5 + 1e-5, "2 C w / (W + w) with w = W / 4: " + tightDistance);
  }

  private static JobSpec specWithCap(String robust, long cap) {
    return io.factoryfl.core.job.JobSpecParser.parse("""
        {"name": "t", "model": {"template": "mlp", "hidden_layers": [2]},
         "dataset": {"name": "d", "numeric_features": ["x"], "label": "y"},
         "participants": {"min": 5, "max": 5}, "max_examples_per_site": %d,
         "secure_aggregation": {"enabled": false}, "robust_aggregation": %s}""".formatted(cap, robust));
  }

  @Test
  void clippingAlone_doesNotStopASignFlipWithinTheNorm_documentedAsOpen() {
    float[] flipped = attackerHonestDelta.clone();
    for (int i = 0; i < D; i++) {
      flipped[i] = base[i] - flipped[i];
    }
    assertTrue(L2Clip.norm(attackerHonestDelta) < CLIP, "the flip stays within the norm");
    List<Update> updates = round(Attack.SCALED_X1000).subList(0, HONEST);
    List<Update> withFlip = new ArrayList<>(updates);
    withFlip.add(new Update(flipped, HONEST_EXAMPLES));
    Function<String, float[]> model = robust ->
        Rounds.parameters(Rounds.strategy(Rounds.spec(5, 5, robust), D), base, withFlip);
    float[] clipped = model.apply("{\"clip_norm\": " + CLIP + "}");
    double pulled = Rounds.distance(clipped, honestMean());
    assertTrue(pulled > 0.01, "the flipped site still pulls the average by " + pulled
        + " (within 2C w / W, which is all clipping promises)");
  }
}
