package io.factoryfl.coordinator.strategy;

import io.factoryfl.core.job.JobSpec;
import java.util.List;

/**
 * A Byzantine-robust rule in place of the wrapped strategy's average, in the spirit of Flower's
 * FedMedian, FedTrimmedAvg and Krum: plain rounds hold every update ({@link HeldUpdates}) and
 * combine them with the rule; cohort selection, evaluation and secure rounds are the wrapped
 * strategy's (the job spec refuses these rules with secure aggregation, which hides the individual
 * updates they need).
 */
final class RobustAggregate extends ForwardingStrategy {
  private final JobSpec spec;
  private final RobustRule rule;

  RobustAggregate(Strategy inner, JobSpec spec, RobustRule rule) {
    super(inner);
    this.spec = spec;
    this.rule = rule;
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
}
