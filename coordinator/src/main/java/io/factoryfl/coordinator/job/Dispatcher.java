package io.factoryfl.coordinator.job;

import io.factoryfl.coordinator.strategy.Failure;
import io.factoryfl.coordinator.task.PendingTask;
import io.factoryfl.coordinator.task.RoundGate;
import io.factoryfl.coordinator.task.TaskOutcome;
import io.factoryfl.proto.v1.DatasetBinding;
import io.factoryfl.proto.v1.ParticipantDropped;
import io.factoryfl.proto.v1.RoundEvent;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskRefused;
import io.factoryfl.proto.v1.UpdateRejected;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Sends one kind of task to a set of participants, waits for the outcomes, and reports every
 * failure as a job event: the one way a job talks to its participants.
 */
final class Dispatcher {
  private final String jobId;
  private final Federation federation;
  private final JobEvents events;
  private final DatasetBinding binding;
  private final RoundLog log;

  Dispatcher(String jobId, Federation federation, JobEvents events, DatasetBinding binding, RoundLog log) {
    this.jobId = jobId;
    this.federation = federation;
    this.events = events;
    this.binding = binding;
    this.log = log;
  }

  /** The dataset binding every task of the job carries. */
  DatasetBinding binding() {
    return binding;
  }

  /** The CA's signed revocation list for the sites of a secure round; empty without one. */
  com.google.protobuf.ByteString signedRevocationList() {
    return federation.revocations().signedList().map(com.google.protobuf.ByteString::copyFrom)
        .orElse(com.google.protobuf.ByteString.EMPTY);
  }

  /**
   * Waits until every one of {@code ids} is connected, or until {@code timeout}: after a restart
   * the sites reconnect by themselves, and one asked before it is back would count as dropped.
   */
  void awaitConnected(List<String> ids, java.time.Duration timeout) throws InterruptedException {
    federation.registry().awaitAlive(ids, timeout);
  }

  Instant deadlineAfter(java.time.Duration duration) {
    return federation.clock().instant().plus(duration);
  }

  /**
   * Sends a task to each participant and collects the outcomes until all are in or the deadline.
   *
   * @param gate the round's update gate for tasks that upload an update, else null
   */
  List<TaskOutcome> run(List<String> participantIds, int round, int attempt, String kind,
      Instant deadline, RoundGate gate, Function<String, Task.Builder> body) throws InterruptedException {
    Instant started = federation.clock().instant();
    List<PendingTask> tasks = new ArrayList<>();
    for (String id : participantIds) {
      Task task = body.apply(id).setTaskId(jobId + "/r" + round + "/a" + attempt + "/" + kind + "/" + id)
          .setJobId(jobId).setRound(round).setDeadlineEpochMillis(deadline.toEpochMilli())
          .setDataset(binding).build();
      tasks.add(federation.board().open(id, task, gate));
      federation.registry().send(id, task);
    }
    List<TaskOutcome> outcomes =
        RoundCollector.collect(tasks, deadline, gate, federation.registry(), federation.clock());
    federation.metrics().stageFinished(kind, java.time.Duration.between(started, federation.clock().instant()));
    return outcomes;
  }

  /**
   * Publishes a failed outcome as a round event, records it in the round log, and returns it as
   * the strategy's input.
   *
   * @param stage the task kind that failed (for example "train" or "secagg-masked")
   */
  Failure report(int round, int attempt, String stage, TaskOutcome outcome) {
    TaskOutcome.Failed failed = (TaskOutcome.Failed) outcome;
    federation.metrics().taskFailed(stage, failed.kind());
    if (failed.kind() == TaskOutcome.FailureKind.REFUSED) {
      log.refusal(round, failed.participantId(), failed.reason());
    } else {
      log.dropout(round, attempt, failed.participantId(), stage,
          failed.kind().name().toLowerCase(java.util.Locale.ROOT) + ": " + failed.reason());
    }
    RoundEvent.Builder event = RoundEvent.newBuilder();
    switch (failed.kind()) {
      case REFUSED -> event.setRefused(TaskRefused.newBuilder()
          .setParticipant(failed.participantId()).setReason(failed.reason()));
      case REJECTED -> event.setRejected(UpdateRejected.newBuilder()
          .setParticipant(failed.participantId()).setReason(failed.reason()));
      case DROPPED, TIMED_OUT -> event.setDropped(ParticipantDropped.newBuilder()
          .setParticipant(failed.participantId()).setReason(failed.reason()));
    }
    events.publish(round, event);
    return new Failure(failed.participantId(), failed.kind().name(), failed.reason());
  }

  /** A failure outcome of a reply that arrived but does not fit the stage. */
  Failure reject(int round, int attempt, String stage, String participantId, String reason) {
    return report(round, attempt, stage,
        new TaskOutcome.Failed(participantId, TaskOutcome.FailureKind.REJECTED, reason));
  }
}
