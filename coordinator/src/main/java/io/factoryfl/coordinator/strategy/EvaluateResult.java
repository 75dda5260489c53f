package io.factoryfl.coordinator.strategy;

import io.factoryfl.core.task.EvaluationSums;

/**
 * One site's evaluation of the global model on its held-out data: additive sums laid out by the
 * job's task family (aggregates only, never an example).
 */
public record EvaluateResult(String participantId, EvaluationSums sums) {
  public long numExamples() {
    return sums.numExamples();
  }
}
