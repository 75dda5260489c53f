package io.factoryfl.coordinator.job;

import io.factoryfl.coordinator.registry.ParticipantRegistry;
import io.factoryfl.coordinator.task.PendingTask;
import io.factoryfl.coordinator.task.RoundGate;
import io.factoryfl.coordinator.task.TaskOutcome;
import io.factoryfl.coordinator.task.TaskOutcome.FailureKind;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for the results of a round's tasks until all are in or the deadline passes. A
 * participant that stops calling is dropped as soon as its heartbeat grace runs out, a task still
 * open at the deadline is a straggler; neither aborts the round.
 */
final class RoundCollector {
  private static final Duration LIVENESS_CHECK = Duration.ofMillis(250);

  private RoundCollector() {}

  /**
   * @param gate the round's gate, closed before stragglers are settled so that no late update can
   *     slip into the aggregate; null for tasks that carry no update
   * @return one outcome per task, in task order
   */
  static List<TaskOutcome> collect(List<PendingTask> tasks, Instant deadline, RoundGate gate,
      ParticipantRegistry registry, Clock clock) throws InterruptedException {
    try {
      while (true) {
        List<CompletableFuture<TaskOutcome>> open = new ArrayList<>();
        for (PendingTask task : tasks) {
          if (!task.settled()) {
            if (!registry.isAlive(task.participantId())) {
              task.settle(new TaskOutcome.Failed(task.participantId(), FailureKind.DROPPED,
                  "no call from the participant for more than "
                      + registry.heartbeatGrace().toSeconds() + " s (disconnected)"));
            } else {
              open.add(task.outcome());
            }
          }
        }
        long left = Duration.between(clock.instant(), deadline).toMillis();
        if (open.isEmpty() || left <= 0) {
          break;
        }
        try {
          CompletableFuture.anyOf(open.toArray(CompletableFuture[]::new))
              .get(Math.min(left, LIVENESS_CHECK.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException expected) {
          // re-check liveness and the deadline
        }
      }
    } finally {
      if (gate != null) {
        gate.close();
      }
      for (PendingTask task : tasks) {
        task.settle(new TaskOutcome.Failed(task.participantId(), FailureKind.TIMED_OUT,
            "no result before the round deadline (straggler)"));
      }
    }
    List<TaskOutcome> outcomes = new ArrayList<>();
    for (PendingTask task : tasks) {
      outcomes.add(task.outcome().join());
    }
    return outcomes;
  }
}
