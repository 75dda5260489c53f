package io.factoryfl.coordinator.strategy;

import java.util.List;

/**
 * A server-side optimiser around another strategy: the wrapped strategy proposes the next model,
 * in plain and secure rounds alike, and the optimiser decides the step the global model actually
 * takes from the proposal ({@code proposed - base} is the round's pseudo-gradient). A round the
 * wrapped strategy rejects passes through and leaves the optimiser's state alone. Calls are
 * serialised, so the state (velocity, moments) moves one round at a time.
 */
abstract class ServerStep extends ForwardingStrategy {
  ServerStep(Strategy inner) {
    super(inner);
  }

  /** The next global model from {@code base} and the wrapped strategy's {@code proposed} one. */
  abstract float[] next(float[] base, float[] proposed);

  /** This optimiser's own arrays by name (unique among wrappers, e.g. "server_momentum.velocity"). */
  abstract java.util.Map<String, float[]> ownState();

  /** Takes back this optimiser's own arrays from {@code state} (absent names: start afresh). */
  abstract void restoreOwn(java.util.Map<String, float[]> state);

  @Override
  public final synchronized java.util.Map<String, float[]> state() {
    java.util.Map<String, float[]> all = new java.util.HashMap<>(inner.state());
    ownState().forEach((name, values) -> all.put(name, values.clone()));
    return all;
  }

  @Override
  public final synchronized void restore(java.util.Map<String, float[]> state) {
    inner.restore(state);
    restoreOwn(state);
  }

  @Override
  public final FitOutcome aggregateFit(int round, float[] base, Aggregation aggregation,
      List<FitResult> results, List<Failure> failures) {
    return step(base, inner.aggregateFit(round, base, aggregation, results, failures));
  }

  @Override
  public final FitOutcome aggregateSecureFit(int round, float[] base, float[] meanDelta, long totalExamples,
      double trainLoss, List<FitResult> results, List<Failure> failures) {
    return step(base,
        inner.aggregateSecureFit(round, base, meanDelta, totalExamples, trainLoss, results, failures));
  }

  private synchronized FitOutcome step(float[] base, FitOutcome proposed) {
    if (!proposed.isCommitted()) {
      return proposed;
    }
    return FitOutcome.committed(next(base, proposed.parameters()), proposed.trainLoss(), proposed.totalExamples());
  }
}
