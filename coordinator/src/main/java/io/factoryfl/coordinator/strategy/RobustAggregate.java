package io.factoryfl.coordinator.strategy;

import io.factoryfl.coordinator.registry.ParticipantInfo;
import io.factoryfl.core.job.JobSpec;
import java.util.List;

/**
 * A Byzantine-robust rule in place of the wrapped strategy's average, in the spirit of Flower's
 * FedMedian, FedTrimmedAvg and Krum: plain rounds hold every update ({@link HeldUpdates}) and
 * combine them with the rule; cohort selection, evaluation and secure rounds are the wrapped
 * strategy's (the job spec refuses these rules with secure aggregation, which hides the individual
 * updates they need).
 */
final class RobustAggregate implements Strategy {
  private final Strategy inner;
  private final JobSpec spec;
  private final RobustRule rule;

  RobustAggregate(Strategy inner, JobSpec spec, RobustRule rule) {
    this.inner = inner;
    this.spec = spec;
    this.rule = rule;
  }

  @Override
  public List<FitInstruction> configureFit(int round, List<ParticipantInfo> available) {
    return inner.configureFit(round, available);
  }

  @Override
  public Aggregation beginFit(int round, float[] base) {
    return new HeldUpdates(spec.maxParticipants(), base.length);
  }

  @Override
  public FitOutcome aggregateFit(int round, float[] base, Aggregation aggregation,
      List<FitResult> results, List<Failure> failures) {
    String shortfall = FedAvg.shortfall(spec, results, failures);
    if (shortfall != null) {
      return FitOutcome.notCommitted(shortfall);
    }
    HeldUpdates held = (HeldUpdates) aggregation;
    float[] next;
    try {
      next = rule.combine(held.canonicalRows());
    } catch (IllegalStateException e) {
      return FitOutcome.notCommitted(rule.key() + " cannot combine this round: " + e.getMessage());
    }
    return FitOutcome.committed(next, FedAvg.trainLoss(spec, results),
        held.totalWeight(spec::cappedWeight));
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
}
