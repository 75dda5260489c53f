package io.factoryfl.coordinator.task;

import io.factoryfl.coordinator.strategy.Aggregation;
import java.util.Map;

/**
 * The single door through which verified updates enter a round's aggregate. Admitting an update
 * and settling its task happen under one lock, and so does closing the round, so an update is
 * either counted in this round's model and its task marked fitted, or refused: never half.
 */
public final class RoundGate {
  private final Aggregation aggregation;
  private boolean closed;

  public RoundGate(Aggregation aggregation) {
    this.aggregation = aggregation;
  }

  /**
   * Folds a verified update into the aggregate and settles its task.
   *
   * @return false if the round is closed or the task was already settled (dropped, timed out)
   * @throws IllegalArgumentException if the aggregation refuses the values; nothing was added
   */
  public synchronized boolean admit(
      PendingTask task, float[] parameters, long numExamples, Map<String, Double> metrics) {
    if (closed || task.settled()) {
      return false;
    }
    aggregation.accept(parameters, numExamples);
    task.settle(new TaskOutcome.Fitted(task.participantId(), numExamples, metrics));
    return true;
  }

  /** Closes the round: from now on every update is refused. */
  public synchronized void close() {
    closed = true;
  }
}
