package io.factoryfl.coordinator.task;

import io.factoryfl.proto.v1.Task;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A task that has been sent and not yet settled. Its future completes exactly once, with the
 * result or the failure; whoever completes it first wins, so a late update after the deadline
 * cannot revive a task that was already counted as a straggler.
 */
public final class PendingTask {
  private final String participantId;
  private final Task task;
  private final RoundGate gate;
  private final CompletableFuture<TaskOutcome> outcome = new CompletableFuture<>();
  private final AtomicBoolean uploading = new AtomicBoolean();

  PendingTask(String participantId, Task task, RoundGate gate) {
    this.participantId = participantId;
    this.task = task;
    this.gate = gate;
  }

  public String participantId() {
    return participantId;
  }

  public Task task() {
    return task;
  }

  public String taskId() {
    return task.getTaskId();
  }

  /** The gate of the training round this task belongs to; null for tasks carrying no update. */
  public RoundGate gate() {
    return gate;
  }

  public CompletableFuture<TaskOutcome> outcome() {
    return outcome;
  }

  /** Settles the task unless it is settled already; returns whether this call settled it. */
  public boolean settle(TaskOutcome result) {
    return outcome.complete(result);
  }

  public boolean settled() {
    return outcome.isDone();
  }

  /**
   * Claims the task's single upload slot: at most one update stream per task is in flight, and
   * only its owner may allocate a buffer for it.
   *
   * @return false if another stream holds the slot
   */
  public boolean tryStartUpload() {
    return uploading.compareAndSet(false, true);
  }

  /** Frees the upload slot (the stream ended: accepted, rejected, failed or cancelled). */
  public void endUpload() {
    uploading.set(false);
  }
}
