package io.factoryfl.coordinator.server;

import io.factoryfl.coordinator.metrics.CoordinatorMetrics;
import io.factoryfl.coordinator.metrics.CoordinatorMetrics.UpdateRejection;
import io.factoryfl.coordinator.registry.ParticipantRegistry;
import io.factoryfl.coordinator.registry.UnknownSessionException;
import io.factoryfl.coordinator.report.InvalidReportException;
import io.factoryfl.coordinator.report.ReportedValues;
import io.factoryfl.coordinator.task.TaskBindingException;
import io.factoryfl.coordinator.store.ModelStore;
import io.factoryfl.coordinator.store.ModelVersion;
import io.factoryfl.coordinator.task.PendingTask;
import io.factoryfl.coordinator.task.TaskBoard;
import io.factoryfl.coordinator.task.TaskOutcome;
import io.factoryfl.core.params.ContentHash;
import io.factoryfl.core.secagg.MaskedLayout;
import io.factoryfl.core.secagg.StatisticsLayout;
import io.factoryfl.proto.v1.SubmitUpdateResponse;
import io.factoryfl.proto.v1.TrainTask;
import io.factoryfl.proto.v1.UpdateChunk;
import io.factoryfl.proto.v1.UpdateHeader;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives one client-streamed update and lets it into the round only after every check passed:
 * the session and task belong to the caller, the header names the task's job, round and base
 * model, the length is the model's, the bytes hash to the announced SHA-256 and every value is
 * finite. A rejected update settles its task as rejected, so the round does not wait for it.
 *
 * <p>Resources: the stream holds one of its participant's stream slots from the start (the
 * caller claims it), the task's single upload slot from the header on, and its bytes in the
 * coordinator's upload budget from just before its spill file is created. The update's words go
 * to that file as they arrive ({@link UpdateSpill}), never into the heap whole; once verified they
 * are read back in chunks into the aggregate. All three are returned and the file deleted when the
 * stream ends in any way, and as soon as the task settles elsewhere (round closed, participant
 * dropped), so a half-sent stream holds nothing for long.
 * Calls are serialised on this object: gRPC delivers one message at a time, and the task may
 * settle on a job thread.
 */
final class UpdateReceiver implements StreamObserver<UpdateChunk> {
  private static final Logger LOG = LoggerFactory.getLogger(UpdateReceiver.class);

  private final UploadSlots slots;
  private final String caller;
  private final ParticipantRegistry registry;
  private final TaskBoard board;
  private final ModelStore store;
  private final CoordinatorMetrics metrics;
  private final StreamObserver<SubmitUpdateResponse> response;

  private UpdateHeader header;
  private PendingTask task;
  private UpdateSpill spill;
  private boolean masked;
  private boolean finished;
  private boolean ownsTaskSlot;
  private long reservedBytes;
  private boolean streamSlotReleased;
  /** Set while this receiver itself settles the task, so its own settling does not abort it. */
  private boolean settling;

  /**
   * @param slots the upload limits; the caller has already opened a stream slot for {@code caller}
   */
  UpdateReceiver(UploadSlots slots, String caller, ParticipantRegistry registry, TaskBoard board,
      ModelStore store, CoordinatorMetrics metrics, StreamObserver<SubmitUpdateResponse> response) {
    this.slots = slots;
    this.caller = caller;
    this.registry = registry;
    this.board = board;
    this.store = store;
    this.metrics = metrics;
    this.response = response;
  }

  @Override
  public synchronized void onNext(UpdateChunk chunk) {
    if (finished) {
      return;
    }
    try {
      if (header == null) {
        begin(chunk);
      } else if (chunk.hasHeader()) {
        throw reject(UpdateRejection.MALFORMED, Status.INVALID_ARGUMENT,
            "the header was sent twice; send it once, first");
      } else {
        try {
          spill.append(chunk.getData());
        } catch (IllegalArgumentException e) {
          throw reject(UpdateRejection.MALFORMED, Status.INVALID_ARGUMENT, e.getMessage());
        }
      }
    } catch (StatusRuntimeException e) {
      fail(e);
    } catch (UnknownSessionException | TaskBindingException e) {
      metrics.updateRejected(UpdateRejection.WRONG_TASK);
      fail(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException());
    } catch (RuntimeException e) {
      unexpected(e);
    }
  }

  private void begin(UpdateChunk chunk) {
    if (!chunk.hasHeader()) {
      metrics.updateRejected(UpdateRejection.MALFORMED);
      throw Status.INVALID_ARGUMENT
          .withDescription("the first message of SubmitUpdate must be the UpdateHeader")
          .asRuntimeException();
    }
    UpdateHeader h = chunk.getHeader();
    registry.touch(h.getSessionId(), caller);
    PendingTask claimed = board.claim(h.getTaskId(), caller);
    if (!claimed.tryStartUpload()) {
      // Not a verdict on the update: the stream already uploading this task carries on.
      throw Status.ABORTED.withDescription("an upload for task '" + h.getTaskId()
          + "' is already in progress on another stream; one upload per task at a time")
          .asRuntimeException();
    }
    task = claimed;
    ownsTaskSlot = true;
    header = h;
    boolean statistics = task.task().hasSecaggMaskedInput() && task.task().getSecaggMaskedInput().hasStatistics();
    TrainTask train;
    if (task.task().hasTrain()) {
      train = task.task().getTrain();
    } else if (task.task().hasSecaggMaskedInput()) {
      train = task.task().getSecaggMaskedInput().getTrain();
      masked = true;
    } else {
      throw reject(UpdateRejection.MALFORMED, Status.INVALID_ARGUMENT,
          "task '" + h.getTaskId() + "' is not a training task");
    }
    if (h.getMasked() != masked) {
      throw reject(UpdateRejection.MALFORMED, Status.INVALID_ARGUMENT,
          "task '" + h.getTaskId() + "' expects a "
          + (masked ? "masked (secure aggregation)" : "plain") + " update, the header says masked = "
          + h.getMasked());
    }
    if (!h.getJobId().equals(task.task().getJobId()) || h.getRound() != task.task().getRound()) {
      throw reject(UpdateRejection.WRONG_TASK, Status.INVALID_ARGUMENT,
          "the update names job '" + h.getJobId() + "' round "
          + h.getRound() + ", but task '" + h.getTaskId() + "' belongs to job '"
          + task.task().getJobId() + "' round " + task.task().getRound());
    }
    if (statistics) {
      expectStatistics(h);
    } else {
      expectUpdate(h, train.getModelHash());
    }
    if (masked && h.getNumExamples() != 0) {
      throw reject(UpdateRejection.MALFORMED, Status.INVALID_ARGUMENT,
          "num_examples was " + h.getNumExamples()
          + "; a masked update must leave it 0 (the count travels masked, as the last word)");
    }
    if (!h.getSha256().matches("[0-9a-f]{64}")) {
      throw reject(UpdateRejection.MALFORMED, Status.INVALID_ARGUMENT,
          "sha256 must be 64 lower-case hex digits, got '" + h.getSha256() + "'");
    }
    try {
      if (masked) {
        ReportedValues.maskedUpdateMetrics(h.getMetricsMap());
      } else {
        ReportedValues.updateExamples(h.getNumExamples());
        ReportedValues.trainingMetrics(h.getMetricsMap());
      }
    } catch (InvalidReportException e) {
      throw reject(UpdateRejection.MALFORMED, Status.INVALID_ARGUMENT, e.getMessage());
    }
    long bytes = Math.multiplyExact(h.getNumParameters(), (long) Integer.BYTES);
    if (!slots.reserve(bytes)) {
      // The coordinator's budget, not the site's fault: the task stays open for a later stream.
      throw Status.RESOURCE_EXHAUSTED.withDescription("the coordinator is already buffering "
          + slots.bufferedBytes() / (1 << 20) + " MiB of updates in flight and this one needs "
          + bytes / (1 << 20) + " MiB more (limit " + slots.maxBufferBytes() / (1 << 20)
          + " MiB, its --max-upload-buffer-mib); retry when other uploads have finished")
          .asRuntimeException();
    }
    reservedBytes = bytes;
    spill = new UpdateSpill(slots.spillDirectory(), h.getNumParameters());
    // A task that settles elsewhere (deadline, drop) takes its half-sent buffer with it.
    task.outcome().whenComplete((outcome, error) -> abandon());
  }

  /** A masked training input: the round's base model, d + 2 words ({@link MaskedLayout}). */
  private void expectUpdate(UpdateHeader h, String base) {
    if (!h.getBaseModelHash().equals(base)) {
      throw reject(UpdateRejection.WRONG_MODEL, Status.INVALID_ARGUMENT,
          "base_model_hash is '" + h.getBaseModelHash()
          + "', but the round trains from model '" + base + "'");
    }
    ModelVersion model = store.get(base).orElseThrow(() -> reject(UpdateRejection.INTERNAL, Status.INTERNAL,
        "the round's base model " + base + " is missing from the store"));
    long expected = masked ? new MaskedLayout(model.dimension()).words() : model.dimension();
    if (h.getNumParameters() != expected) {
      throw reject(UpdateRejection.WRONG_MODEL, Status.INVALID_ARGUMENT,
          "num_parameters was " + h.getNumParameters()
          + "; the model of job '" + h.getJobId() + "' has " + model.dimension() + " parameters"
          + (masked ? " (plus 2 for the masked training loss and example count)" : ""));
    }
  }

  /** A masked round-0 statistics input: the job's statistics subject, laid out by {@link StatisticsLayout}. */
  private void expectStatistics(UpdateHeader h) {
    String subject = StatisticsLayout.subject(task.task().getJobId());
    if (!h.getBaseModelHash().equals(subject)) {
      throw reject(UpdateRejection.WRONG_MODEL, Status.INVALID_ARGUMENT,
          "base_model_hash is '" + h.getBaseModelHash()
          + "', but a feature-statistics input of job '" + task.task().getJobId() + "' names '" + subject + "'");
    }
    long expected = new StatisticsLayout(StatisticsLayout.columnsOf(task.task().getDataset()).size()).words();
    if (h.getNumParameters() != expected) {
      throw reject(UpdateRejection.WRONG_MODEL, Status.INVALID_ARGUMENT,
          "num_parameters was " + h.getNumParameters() + "; the feature"
          + " statistics of job '" + h.getJobId() + "' have " + expected + " words");
    }
  }

  /** The task settled while the stream was still open (and not by this receiver). */
  private synchronized void abandon() {
    if (finished || settling) {
      return;
    }
    metrics.updateRejected(UpdateRejection.LATE);
    fail(Status.FAILED_PRECONDITION.withDescription("round " + header.getRound() + " of job '"
        + header.getJobId() + "' no longer accepts this update (deadline passed or the"
        + " participant was dropped)").asRuntimeException());
  }

  @Override
  public synchronized void onCompleted() {
    if (finished) {
      return;
    }
    try {
      if (header == null) {
        metrics.updateRejected(UpdateRejection.MALFORMED);
        throw Status.INVALID_ARGUMENT.withDescription("the update stream was empty; send the header first")
            .asRuntimeException();
      }
      if (!spill.complete()) {
        throw reject(UpdateRejection.INCOMPLETE, Status.INVALID_ARGUMENT,
            "the stream ended after " + spill.received() + " of "
            + header.getNumParameters() + " parameters");
      }
      String actual = spill.finishHash();
      if (!ContentHash.matches(header.getSha256(), actual)) {
        throw reject(UpdateRejection.HASH_MISMATCH, Status.INVALID_ARGUMENT,
            "sha256 mismatch: the header announced "
            + header.getSha256() + " but the parameters hash to " + actual);
      }
      long bad = masked ? -1 : spill.firstNonFiniteIndex();
      if (bad >= 0) {
        throw reject(UpdateRejection.NON_FINITE, Status.INVALID_ARGUMENT, "parameter " + bad + " is "
            + spill.firstNonFiniteValue() + "; updates must contain only finite values");
      }
      boolean admitted;
      try {
        settling = true;
        admitted = task.gate().admit(task, spill, header);
      } catch (IllegalArgumentException e) {
        throw reject(UpdateRejection.AGGREGATE_REFUSED, Status.INVALID_ARGUMENT, e.getMessage());
      } finally {
        settling = false;
      }
      if (!admitted) {
        metrics.updateRejected(UpdateRejection.LATE);
        throw Status.FAILED_PRECONDITION.withDescription("round " + header.getRound() + " of job '"
            + header.getJobId() + "' no longer accepts this update (deadline passed or the"
            + " participant was dropped)").asRuntimeException();
      }
      finished = true;
      release();
      metrics.updateAccepted();
      response.onNext(SubmitUpdateResponse.newBuilder().setAccepted(true).build());
      response.onCompleted();
    } catch (StatusRuntimeException e) {
      fail(e);
    } catch (RuntimeException e) {
      unexpected(e);
    }
  }

  @Override
  public synchronized void onError(Throwable t) {
    // The participant gave up on this upload (or it was cancelled); the task stays open until
    // the round deadline, and a new stream may upload it.
    finished = true;
    release();
  }

  /** Settles the claimed task as rejected, counts the rejection and returns the status to send. */
  private StatusRuntimeException reject(UpdateRejection why, Status status, String reason) {
    metrics.updateRejected(why);
    if (task != null) {
      settling = true;
      try {
        task.settle(new TaskOutcome.Failed(caller, TaskOutcome.FailureKind.REJECTED, reason));
      } finally {
        settling = false;
      }
    }
    return status.withDescription(reason).asRuntimeException();
  }

  private void unexpected(RuntimeException e) {
    metrics.updateRejected(UpdateRejection.INTERNAL);
    LOG.error("SubmitUpdate from " + caller + " failed unexpectedly", e);
    fail(Status.INTERNAL.withDescription("the coordinator failed to process the update ("
        + e.getClass().getSimpleName() + "); see the coordinator log").asRuntimeException());
  }

  private void fail(StatusRuntimeException e) {
    finished = true;
    release();
    response.onError(e);
  }

  /** Deletes the spill file, returns its bytes, the task's upload slot and the stream slot; idempotent. */
  private void release() {
    if (spill != null) {
      spill.delete();
      spill = null;
    }
    if (reservedBytes > 0) {
      slots.release(reservedBytes);
      reservedBytes = 0;
    }
    if (ownsTaskSlot) {
      task.endUpload();
      ownsTaskSlot = false;
    }
    if (!streamSlotReleased) {
      slots.closeStream(caller);
      streamSlotReleased = true;
    }
  }
}
