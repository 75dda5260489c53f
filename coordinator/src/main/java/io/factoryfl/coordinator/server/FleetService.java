package io.factoryfl.coordinator.server;

import io.factoryfl.coordinator.metrics.CoordinatorMetrics;
import io.factoryfl.coordinator.registry.ParticipantRegistry;
import io.factoryfl.coordinator.registry.UnknownSessionException;
import io.factoryfl.coordinator.store.ModelStore;
import io.factoryfl.coordinator.task.PendingTask;
import io.factoryfl.coordinator.task.TaskBindingException;
import io.factoryfl.coordinator.task.TaskBoard;
import io.factoryfl.coordinator.task.TaskOutcome;
import io.factoryfl.core.data.FeatureStats;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.proto.v1.DownloadModelRequest;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.HeartbeatRequest;
import io.factoryfl.proto.v1.HeartbeatResponse;
import io.factoryfl.proto.v1.ModelChunk;
import io.factoryfl.proto.v1.PollTaskRequest;
import io.factoryfl.proto.v1.PollTaskResponse;
import io.factoryfl.proto.v1.RegisterRequest;
import io.factoryfl.proto.v1.RegisterResponse;
import io.factoryfl.proto.v1.ReportResultResponse;
import io.factoryfl.proto.v1.SubmitUpdateResponse;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskResult;
import io.factoryfl.proto.v1.UpdateChunk;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicReference;
import java.time.Duration;

/**
 * The participant-facing service: a thin layer that checks who is calling and hands over to the
 * registry, the task board and the model store.
 */
final class FleetService extends FleetGrpc.FleetImplBase {
  static final Duration MAX_POLL = Duration.ofSeconds(30);

  private final ParticipantRegistry registry;
  private final TaskBoard board;
  private final ModelStore store;
  private final UploadSlots uploads;
  private final CoordinatorMetrics metrics;

  FleetService(ParticipantRegistry registry, TaskBoard board, ModelStore store, UploadSlots uploads,
      CoordinatorMetrics metrics) {
    this.registry = registry;
    this.board = board;
    this.store = store;
    this.uploads = uploads;
    this.metrics = metrics;
  }

  @Override
  public void register(RegisterRequest request, StreamObserver<RegisterResponse> response) {
    Calls.unary(response, () -> {
      String caller = participant();
      String session = registry.register(caller, request.getDatasetsList());
      return RegisterResponse.newBuilder().setSessionId(session).setParticipantId(caller)
          .setHeartbeatIntervalMillis(Math.max(100, registry.heartbeatGrace().toMillis() / 4)).build();
    });
  }

  /**
   * A long poll, served without holding a thread while it waits: the registry replies when a task
   * or receipt arrives or the wait ends ({@link ParticipantRegistry#poll}).
   */
  @Override
  public void pollTask(PollTaskRequest request, StreamObserver<PollTaskResponse> response) {
    ServerCallStreamObserver<PollTaskResponse> call = (ServerCallStreamObserver<PollTaskResponse>) response;
    AtomicReference<Runnable> cancel = new AtomicReference<>(() -> { });
    call.setOnCancelHandler(() -> cancel.get().run());
    Calls.streaming(response, () -> {
      String caller = participant();
      touch(request.getSessionId(), caller);
      Duration wait =
          Duration.ofMillis(Math.max(0, Math.min(request.getWaitMillis(), MAX_POLL.toMillis())));
      cancel.set(registry.poll(caller, wait, delivery -> reply(call, delivery)));
    });
  }

  /** Sends a poll's delivery; false if the caller is gone (the registry then keeps it for the next poll). */
  private static boolean reply(ServerCallStreamObserver<PollTaskResponse> call,
      ParticipantRegistry.Delivery delivery) {
    PollTaskResponse.Builder reply = PollTaskResponse.newBuilder().addAllReceipts(delivery.receipts());
    if (delivery.task() != null) {
      reply.setTask(delivery.task());
    }
    synchronized (call) {
      if (call.isCancelled()) {
        return false;
      }
      try {
        call.onNext(reply.build());
        call.onCompleted();
        return true;
      } catch (RuntimeException e) {
        return false; // cancelled between the check and the send
      }
    }
  }

  @Override
  public void downloadModel(DownloadModelRequest request, StreamObserver<ModelChunk> response) {
    Calls.streaming(response, () -> {
      touch(request.getSessionId(), participant());
      ModelStreamer.stream(store.get(request.getModelHash()).orElseThrow(() ->
          Status.NOT_FOUND.withDescription("no model with hash '" + request.getModelHash() + "'")
              .asRuntimeException()), response);
    });
  }

  @Override
  public StreamObserver<UpdateChunk> submitUpdate(StreamObserver<SubmitUpdateResponse> response) {
    String caller;
    try {
      caller = participant();
    } catch (StatusRuntimeException e) {
      response.onError(e);
      return new DiscardingObserver<>();
    }
    if (!uploads.openStream(caller)) {
      response.onError(Status.RESOURCE_EXHAUSTED.withDescription("participant '" + caller
          + "' already has " + uploads.maxStreamsPerParticipant() + " SubmitUpdate streams open,"
          + " the most this coordinator allows; finish or cancel one first").asRuntimeException());
      return new DiscardingObserver<>();
    }
    return new UpdateReceiver(uploads, caller, registry, board, store, metrics, response);
  }

  /** Swallows the rest of a client stream that was already refused. */
  private static final class DiscardingObserver<T> implements StreamObserver<T> {
    @Override
    public void onNext(T value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }

  @Override
  public void reportResult(TaskResult result, StreamObserver<ReportResultResponse> response) {
    Calls.unary(response, () -> report(result));
  }

  private ReportResultResponse report(TaskResult result) {
    String caller = participant();
    touch(result.getSessionId(), caller);
    PendingTask task;
    try {
      task = board.claim(result.getTaskId(), caller);
    } catch (TaskBindingException e) {
      throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
    }
    Task sent = task.task();
    if (!result.getJobId().equals(sent.getJobId()) || result.getRound() != sent.getRound()) {
      throw rejected(task, "the result names job '" + result.getJobId() + "' round " + result.getRound()
          + ", but task '" + sent.getTaskId() + "' belongs to job '" + sent.getJobId() + "' round "
          + sent.getRound());
    }
    switch (result.getOutcomeCase()) {
      case REFUSAL -> task.settle(new TaskOutcome.Failed(caller, TaskOutcome.FailureKind.REFUSED,
          RefusalText.of(result.getRefusal())));
      case FEATURE_STATS -> {
        if (!sent.hasFeatureStats()) {
          throw rejected(task, "feature statistics sent for a task that did not ask for them");
        }
        var stats = result.getFeatureStats();
        try {
          double[] sums = stats.getSumList().stream().mapToDouble(Double::doubleValue).toArray();
          double[] squares = stats.getSumOfSquaresList().stream().mapToDouble(Double::doubleValue).toArray();
          // no present weights: every feature is present in every row
          task.settle(new TaskOutcome.Stats(caller, stats.getPresentCount() == 0
              ? new FeatureStats(stats.getCount(), sums, squares)
              : new FeatureStats(stats.getCount(), sums, squares,
                  stats.getPresentList().stream().mapToDouble(Double::doubleValue).toArray())));
        } catch (IllegalArgumentException e) {
          throw rejected(task, "invalid feature statistics: " + e.getMessage());
        }
      }
      case EVALUATION -> {
        if (!sent.hasEvaluate()) {
          throw rejected(task, "an evaluation sent for a task that did not ask for one");
        }
        task.settle(new TaskOutcome.Evaluated(caller, result.getEvaluation()));
      }
      case SECAGG_KEYS -> secAggReply(task, sent.hasSecaggAdvertise(), result, "keys");
      case SECAGG_SHARES -> secAggReply(task, sent.hasSecaggShareKeys(), result, "key shares");
      case SECAGG_SIGNATURE -> secAggReply(task, sent.hasSecaggConsistency(), result, "a signature");
      case SECAGG_REVEAL -> secAggReply(task, sent.hasSecaggUnmask(), result, "revealed shares");
      default -> throw rejected(task, "the result carries no outcome");
    }
    return ReportResultResponse.getDefaultInstance();
  }

  @Override
  public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
    Calls.unary(response, () -> {
      boolean valid = true;
      try {
        registry.touch(request.getSessionId(), participant());
      } catch (UnknownSessionException e) {
        valid = false;
      }
      return HeartbeatResponse.newBuilder().setSessionValid(valid).build();
    });
  }

  private static void secAggReply(PendingTask task, boolean expected, TaskResult result, String what) {
    if (!expected) {
      throw rejected(task, what + " sent for a task of another secure-aggregation stage ("
          + task.task().getKindCase() + ")");
    }
    // The certificate goes with the reply: the round checks advertised keys against its identity key.
    task.settle(new TaskOutcome.SecAggReply(task.participantId(), result, Peers.currentCertificate()));
  }

  private static StatusRuntimeException rejected(PendingTask task, String reason) {
    task.settle(new TaskOutcome.Failed(task.participantId(), TaskOutcome.FailureKind.REJECTED, reason));
    return Status.INVALID_ARGUMENT.withDescription(reason).asRuntimeException();
  }

  private void touch(String sessionId, String caller) {
    try {
      registry.touch(sessionId, caller);
    } catch (UnknownSessionException e) {
      throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
    }
  }

  /** The caller's identity; the authentication interceptor has already checked its role. */
  private static String participant() {
    return Peers.current().name();
  }

}
