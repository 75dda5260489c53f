package io.factoryfl.coordinator.task;

import io.factoryfl.core.params.WordSource;
import io.factoryfl.proto.v1.UpdateHeader;

/**
 * The single door through which verified updates enter a round's aggregate. Admitting an update
 * and settling its task happen under one lock, and so does closing the round, so an update is
 * either counted in this round's aggregate and its task marked fitted, or refused: never half.
 */
public final class RoundGate {
  /** Where admitted updates go: a FedAvg accumulator, or the secure-aggregation masked sum. */
  public interface Sink {
    /**
     * @param update the verified update's words, to be read in chunks (it may live on disk)
     * @throws IllegalArgumentException if the update cannot be aggregated; nothing was added
     */
    void accept(String participantId, WordSource update, UpdateHeader header);
  }

  private final Sink sink;
  private boolean closed;

  public RoundGate(Sink sink) {
    this.sink = sink;
  }

  /**
   * Folds a verified update into the aggregate and settles its task.
   *
   * @return false if the round is closed or the task was already settled (dropped, timed out)
   * @throws IllegalArgumentException if the sink refuses the values; nothing was added
   */
  public synchronized boolean admit(PendingTask task, WordSource update, UpdateHeader header) {
    if (closed || task.settled()) {
      return false;
    }
    sink.accept(task.participantId(), update, header);
    task.settle(new TaskOutcome.Fitted(task.participantId(), header.getNumExamples(),
        header.getMetricsMap(), header.getSha256()));
    return true;
  }

  /** Closes the round: from now on every update is refused. */
  public synchronized void close() {
    closed = true;
  }
}
