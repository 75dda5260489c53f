package io.factoryfl.coordinator.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.factoryfl.coordinator.metrics.CoordinatorMetrics;
import io.factoryfl.coordinator.registry.ParticipantRegistry;
import io.factoryfl.coordinator.store.FileModelStore;
import io.factoryfl.coordinator.store.ModelVersion;
import io.factoryfl.coordinator.task.PendingTask;
import io.factoryfl.coordinator.task.RoundGate;
import io.factoryfl.coordinator.task.TaskBoard;
import io.factoryfl.core.aggregate.WeightedSumAccumulator;
import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.proto.v1.SubmitUpdateResponse;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TrainTask;
import io.factoryfl.proto.v1.UpdateChunk;
import io.factoryfl.proto.v1.UpdateHeader;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upload is spilled to a file while it streams and folded into the aggregate only once verified:
 * the real receiver, registry, task board, model store and FedAvg accumulator, without gRPC.
 */
class UpdateSpillTest {
  private static final String SITE = "site-a";
  private static final float[] BASE = {0.5f, -1f, 2f, 3f, 4f};

  @TempDir Path dir;
  private Path spills;
  private ParticipantRegistry registry;
  private TaskBoard board;
  private ModelVersion base;
  private String session;
  private WeightedSumAccumulator aggregate;
  private PendingTask task;
  private UploadSlots slots;

  @BeforeEach
  void setUp() {
    spills = dir.resolve("spill");
    registry = new ParticipantRegistry(Clock.systemUTC(), Duration.ofMinutes(5));
    session = registry.register(SITE, List.of("data"));
    board = new TaskBoard();
    base = new FileModelStore(dir.resolve("store")).put("{}", BASE);
    aggregate = new WeightedSumAccumulator(BASE.length);
    RoundGate gate = new RoundGate((id, update, header) -> aggregate.add(update, header.getNumExamples()));
    task = board.open(SITE, Task.newBuilder().setTaskId("t1").setJobId("job").setRound(1)
        .setTrain(TrainTask.newBuilder().setModelHash(base.hash())).build(), gate);
    slots = new UploadSlots(2, 1 << 20, spills);
    assertTrue(slots.openStream(SITE));
  }

  private UpdateReceiver receiver(Response response) {
    return new UpdateReceiver(slots, SITE, registry, board, new FileModelStore(dir.resolve("store")),
        CoordinatorMetrics.fresh(), response);
  }

  private UpdateHeader header(float[] values, String sha256) {
    return UpdateHeader.newBuilder().setSessionId(session).setTaskId("t1").setJobId("job").setRound(1)
        .setBaseModelHash(base.hash()).setNumParameters(values.length).setNumExamples(3)
        .setSha256(sha256).build();
  }

  /** Sends the header and the values split mid-word, as a site's chunks may be. */
  private static void send(UpdateReceiver receiver, UpdateHeader header, float[] values) {
    receiver.onNext(UpdateChunk.newBuilder().setHeader(header).build());
    byte[] bytes = ParameterCodec.encode(values);
    receiver.onNext(UpdateChunk.newBuilder().setData(ByteString.copyFrom(bytes, 0, 7)).build());
    receiver.onNext(UpdateChunk.newBuilder().setData(ByteString.copyFrom(bytes, 7, bytes.length - 7)).build());
  }

  private long spillFiles() throws IOException {
    if (!Files.exists(spills)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(spills)) {
      return files.count();
    }
  }

  @Test
  void verifiedUpdate_isFoldedFromItsSpillFileWhichIsThenDeleted() throws IOException {
    float[] values = {1f, 2f, 3f, 4f, 5f};
    Response response = new Response();
    UpdateReceiver receiver = receiver(response);
    send(receiver, header(values, ParameterCodec.hash(values)), values);
    assertEquals(1, spillFiles(), "the words went to a spill file while the stream was open");
    receiver.onCompleted();

    assertTrue(response.accepted, "accepted: " + response.error);
    assertArrayEquals(values, aggregate.weightedMean());
    assertEquals(0, spillFiles());
    assertEquals(0, slots.bufferedBytes(), "the upload budget is returned");
  }

  @Test
  void hashMismatchAfterSpilling_leavesTheAggregateUntouchedAndDeletesTheFile() throws IOException {
    float[] values = {1f, 2f, 3f, 4f, 5f};
    Response response = new Response();
    UpdateReceiver receiver = receiver(response);
    send(receiver, header(values, ParameterCodec.hash(new float[] {9f, 9f, 9f, 9f, 9f})), values);
    receiver.onCompleted();

    assertEquals(Status.Code.INVALID_ARGUMENT, response.error.getStatus().getCode());
    assertTrue(response.error.getStatus().getDescription().startsWith("sha256 mismatch"),
        response.error.getStatus().getDescription());
    assertEquals(0, aggregate.contributions(), "nothing was folded in");
    assertEquals(0, spillFiles());
  }

  @Test
  void nonFiniteValue_isRejectedWithTheSameMessageAsBefore() throws IOException {
    float[] values = {1f, 2f, Float.NEGATIVE_INFINITY, 4f, 5f};
    Response response = new Response();
    UpdateReceiver receiver = receiver(response);
    send(receiver, header(values, ParameterCodec.hash(values)), values);
    receiver.onCompleted();

    assertEquals("parameter 2 is -Infinity; updates must contain only finite values",
        response.error.getStatus().getDescription());
    assertEquals(0, aggregate.contributions());
    assertEquals(0, spillFiles());
  }

  @Test
  void cancelledStream_deletesItsSpillFileAndLeavesTheTaskOpen() throws IOException {
    float[] values = {1f, 2f, 3f, 4f, 5f};
    Response response = new Response();
    UpdateReceiver receiver = receiver(response);
    send(receiver, header(values, ParameterCodec.hash(values)), values);
    assertEquals(1, spillFiles());

    receiver.onError(Status.CANCELLED.asRuntimeException());

    assertEquals(0, spillFiles());
    assertEquals(0, slots.bufferedBytes());
    assertFalse(task.settled(), "a new stream may upload the task");
  }

  @Test
  void taskSettledElsewhereMidStream_deletesTheSpillFile() throws IOException {
    float[] values = {1f, 2f, 3f, 4f, 5f};
    Response response = new Response();
    UpdateReceiver receiver = receiver(response);
    send(receiver, header(values, ParameterCodec.hash(values)), values);

    task.settle(new io.factoryfl.coordinator.task.TaskOutcome.Failed(SITE,
        io.factoryfl.coordinator.task.TaskOutcome.FailureKind.REJECTED, "round closed"));

    assertEquals(0, spillFiles());
    assertEquals(Status.Code.FAILED_PRECONDITION, response.error.getStatus().getCode());
  }

  @Test
  void spill_readsBackTheWordsInOrderAndRefusesMoreThanAnnounced() {
    UpdateSpill spill = new UpdateSpill(spills, 3);
    spill.append(new byte[] {1, 0, 0, 0, 2});
    spill.append(new byte[] {0, 0, 0, 3, 0, 0, 0});
    assertTrue(spill.complete());
    assertArrayEquals(new int[] {1, 2, 3}, spill.toWords());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> spill.append(new byte[] {4, 0, 0, 0}));
    assertEquals("update carries more than the announced 3 parameters", e.getMessage());
    spill.delete();
    assertFalse(Files.exists(spill.file()));
  }

  /** The gRPC response side: what the receiver answered. */
  private static final class Response implements StreamObserver<SubmitUpdateResponse> {
    boolean accepted;
    StatusRuntimeException error;

    @Override
    public void onNext(SubmitUpdateResponse value) {
      accepted = value.getAccepted();
    }

    @Override
    public void onError(Throwable t) {
      error = (StatusRuntimeException) t;
    }

    @Override
    public void onCompleted() {}
  }
}
