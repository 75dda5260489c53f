package io.factoryfl.coordinator.strategy;

import io.factoryfl.coordinator.registry.ParticipantInfo;
import java.util.List;

/**
 * How a job chooses its participants and combines their results, in the spirit of Flower's
 * Strategy. Strategies are pure: values in, values out; failures are an argument, not an
 * exception. New behaviour (clipping, differential privacy) wraps a strategy instead of adding
 * flags to one.
 */
public interface Strategy {
  /** Chooses this round's cohort from the available participants and says how each trains. */
  List<FitInstruction> configureFit(int round, List<ParticipantInfo> available);

  /**
   * Starts the aggregate of a plain round that trains from {@code base}.
   *
   * @param base the current global model (not to be modified); its length is the model's dimension,
   *     and wrappers that work on deltas (update clipping) measure each update from it
   */
  Aggregation beginFit(int round, float[] base);

  /**
   * Turns the round's aggregate into the next global model, or declines to commit.
   *
   * @param base the current global model the round trained from (not to be modified)
   * @param results the updates already folded into {@code aggregation}
   * @param failures the cohort members that gave nothing usable
   */
  FitOutcome aggregateFit(int round, float[] base, Aggregation aggregation, List<FitResult> results,
      List<Failure> failures);

  /**
   * Turns the outcome of a secure-aggregation round into the next global model. The coordinator
   * never sees individual updates there, only the unmasked weighted mean of the contributors'
   * deltas from the base model and their total example count, so this is the secure twin of
   * {@link #aggregateFit}.
   *
   * @param meanDelta the example-weighted mean of (local model - base model), decoded from the sum
   * @param trainLoss the example-weighted mean training loss of the contributors, decoded from the
   *     same sum (each site's loss capped at {@code MaskedLayout.LOSS_CAP}); per-site losses are
   *     hidden
   * @param results the contributors (their example counts and losses are hidden: 0 and no metrics)
   */
  FitOutcome aggregateSecureFit(int round, float[] base, float[] meanDelta, long totalExamples,
      double trainLoss, List<FitResult> results, List<Failure> failures);

  /**
   * As {@link #beginFit(int, float[])}, with the base model as a handle the strategy reads only if
   * it needs to. This default loads it whole; FedAvg uses its dimension only.
   */
  default Aggregation beginFit(int round, BaseModel base) {
    return beginFit(round, base.parameters());
  }

  /**
   * As {@link #aggregateFit(int, float[], Aggregation, List, List)}, with the base model as a
   * handle. This default loads it whole; FedAvg does not touch it.
   */
  default FitOutcome aggregateFit(int round, BaseModel base, Aggregation aggregation, List<FitResult> results,
      List<Failure> failures) {
    return aggregateFit(round, base.parameters(), aggregation, results, failures);
  }

  /**
   * As {@link #aggregateSecureFit(int, float[], float[], long, double, List, List)}, with handles
   * for the base model and the mean delta. This default loads both whole; FedAvg streams the base
   * model and decodes the delta value by value.
   */
  default FitOutcome aggregateSecureFit(int round, BaseModel base, MeanDelta meanDelta, long totalExamples,
      double trainLoss, List<FitResult> results, List<Failure> failures) {
    return aggregateSecureFit(round, base.parameters(), meanDelta.toArray(), totalExamples, trainLoss, results,
        failures);
  }

  /** Chooses who evaluates the model after {@code round}; an empty list skips evaluation. */
  List<String> configureEvaluate(int round, List<ParticipantInfo> available);

  /** Combines the sites' evaluations into federation-wide metrics. */
  EvaluationSummary aggregateEvaluate(
      int round, List<EvaluateResult> results, List<Failure> failures);

  /**
   * The state this strategy carries from one round to the next (server momentum's velocity, an
   * adaptive optimiser's moments), by name and copied; empty for a strategy without any. The job
   * stores it with each committed round, so a restarted coordinator resumes with it.
   */
  default java.util.Map<String, float[]> state() {
    return java.util.Map.of();
  }

  /** Takes back a {@link #state} stored earlier; names it does not know are ignored. */
  default void restore(java.util.Map<String, float[]> state) {}
}
