package io.factoryfl.coordinator.strategy;

import io.factoryfl.core.aggregate.L2Clip;
import java.util.List;

/**
 * Norm-bounded updates, as a wrapper in the spirit of Flower's
 * {@code DifferentialPrivacyServerSideFixedClipping} (without the noise): every update's delta from
 * the base model is clipped to L2 norm at most C ({@link L2Clip}) before the wrapped strategy folds
 * it in, so composing with any rule (FedAvg, median, trimmed mean, multi-Krum) is a matter of
 * wrapping it.
 *
 * <p>Plain rounds: with FedAvg, one site of weight w among a round of total weight W moves the
 * aggregate by at most {@code 2 C w / W} from where the round would have gone had that site been
 * honest (its clipped delta and its honest one are both within C of the base), and the whole step
 * stays within C of the base model.
 *
 * <p>Secure rounds: each site clips its own delta before masking (the task carries C), which only
 * binds honest sites. A malicious site can encode anything, so the coordinator also clips the
 * unmasked mean delta to C: the mean of deltas that are each within C is within C, so honest rounds
 * are untouched (up to quantisation), and whatever a site sends, the round moves the model by at
 * most C.
 */
public final class UpdateClipping extends ForwardingStrategy {
  private final double clipNorm;

  /**
   * @param clipNorm the L2 bound C on each update's delta, positive and finite
   */
  public UpdateClipping(Strategy inner, double clipNorm) {
    super(inner);
    if (!(clipNorm > 0 && Double.isFinite(clipNorm))) {
      throw new IllegalArgumentException("clip norm must be positive and finite, got " + clipNorm);
    }
    this.clipNorm = clipNorm;
  }

  @Override
  public Aggregation beginFit(int round, float[] base) {
    return new Clipped(inner.beginFit(round, base), base, clipNorm);
  }

  /** Clips each update around the base model, then hands it on. */
  private record Clipped(Aggregation inner, float[] base, double clipNorm) implements Aggregation {
    @Override
    public void accept(float[] parameters, long numExamples) {
      if (parameters.length != base.length) {
        throw new IllegalArgumentException(
            "update has " + parameters.length + " parameters, the model has " + base.length);
      }
      float[] delta = new float[base.length];
      for (int i = 0; i < delta.length; i++) {
        delta[i] = parameters[i] - base[i];
      }
      if (L2Clip.clipInPlace(delta, clipNorm) == 1) {
        inner.accept(parameters, numExamples);
        return;
      }
      for (int i = 0; i < delta.length; i++) {
        delta[i] += base[i];
      }
      inner.accept(delta, numExamples);
    }
  }

  @Override
  public FitOutcome aggregateFit(int round, float[] base, Aggregation aggregation,
      List<FitResult> results, List<Failure> failures) {
    return inner.aggregateFit(round, base, ((Clipped) aggregation).inner(), results, failures);
  }

  @Override
  public FitOutcome aggregateSecureFit(int round, float[] base, float[] meanDelta, long totalExamples,
      double trainLoss, List<FitResult> results, List<Failure> failures) {
    float[] bounded = meanDelta.clone();
    try {
      L2Clip.clipInPlace(bounded, clipNorm);
    } catch (IllegalArgumentException e) {
      return FitOutcome.notCommitted("the unmasked mean delta cannot be bounded: " + e.getMessage());
    }
    return inner.aggregateSecureFit(round, base, bounded, totalExamples, trainLoss, results, failures);
  }
}
