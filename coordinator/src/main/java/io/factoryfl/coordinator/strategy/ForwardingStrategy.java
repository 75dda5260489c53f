package io.factoryfl.coordinator.strategy;

import io.factoryfl.coordinator.registry.ParticipantInfo;
import java.util.List;

/**
 * A strategy that hands every decision to the one it wraps; a wrapper (momentum, clipping, a
 * robust rule) extends it and overrides only the decisions it changes, as Flower's strategy
 * wrappers do.
 */
abstract class ForwardingStrategy implements Strategy {
  /** The wrapped strategy. */
  protected final Strategy inner;

  ForwardingStrategy(Strategy inner) {
    this.inner = java.util.Objects.requireNonNull(inner, "inner");
  }

  @Override
  public List<FitInstruction> configureFit(int round, List<ParticipantInfo> available) {
    return inner.configureFit(round, available);
  }

  @Override
  public Aggregation beginFit(int round, float[] base) {
    return inner.beginFit(round, base);
  }

  @Override
  public FitOutcome aggregateFit(int round, float[] base, Aggregation aggregation,
      List<FitResult> results, List<Failure> failures) {
    return inner.aggregateFit(round, base, aggregation, results, failures);
  }

  @Override
  public FitOutcome aggregateSecureFit(int round, float[] base, float[] meanDelta, long totalExamples,
      double trainLoss, List<FitResult> results, List<Failure> failures) {
    return inner.aggregateSecureFit(round, base, meanDelta, totalExamples, trainLoss, results, failures);
  }

  @Override
  public List<String> configureEvaluate(int round, List<ParticipantInfo> available) {
    return inner.configureEvaluate(round, available);
  }

  @Override
  public EvaluationSummary aggregateEvaluate(int round, List<EvaluateResult> results,
      List<Failure> failures) {
    return inner.aggregateEvaluate(round, results, failures);
  }

  @Override
  public java.util.Map<String, float[]> state() {
    return inner.state();
  }

  @Override
  public void restore(java.util.Map<String, float[]> state) {
    inner.restore(state);
  }
}
