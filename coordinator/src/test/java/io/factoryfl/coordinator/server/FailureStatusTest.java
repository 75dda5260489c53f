package io.factoryfl.coordinator.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.store.EmbeddedStore;
import io.factoryfl.coordinator.store.JobSubmission;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.HeartbeatRequest;
import io.factoryfl.proto.v1.HeartbeatResponse;
import io.factoryfl.proto.v1.SubmitUpdateResponse;
import io.factoryfl.proto.v1.UpdateChunk;
import io.factoryfl.proto.v1.UpdateHeader;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * No caller sees {@code UNKNOWN: Application error processing RPC}: an unexpected exception in a
 * handler body ({@link Calls}) or in a listener callback ({@link FailureInterceptor}) becomes
 * INTERNAL with a description that names only the kind of failure.
 */
class FailureStatusTest {
  private Server server;
  private ManagedChannel channel;

  /** Heartbeat throws inside Calls.unary; SubmitUpdate's observer throws from onNext. */
  private static final class Broken extends FleetGrpc.FleetImplBase {
    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
      Calls.unary(response, () -> {
        throw new NullPointerException("secret /var/plant/data.csv");
      });
    }

    @Override
    public StreamObserver<UpdateChunk> submitUpdate(StreamObserver<SubmitUpdateResponse> response) {
      return new StreamObserver<>() {
        @Override
        public void onNext(UpdateChunk chunk) {
          throw new IllegalStateException("secret row 1,2,3");
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }
  }

  private void start(ServerServiceDefinition service) throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(service).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void exceptionInAUnaryBody_isInternalNamingOnlyItsKind() throws Exception {
    start(new Broken().bindService());

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () ->
        FleetGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
            .heartbeat(HeartbeatRequest.getDefaultInstance()));

    assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("(NullPointerException)"),
        e.getStatus().getDescription());
    assertFalse(e.getStatus().getDescription().contains("secret"), e.getStatus().getDescription());
  }

  @Test
  void aStoreThatCannotBeUsed_isUnavailableNamingTheStoreAndTheFix(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path data) throws Exception {
    EmbeddedStore store = EmbeddedStore.open(data);
    store.close(); // a store whose connections are gone: every call fails as on a broken disk
    start(new FleetGrpc.FleetImplBase() {
      @Override
      public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
        Calls.unary(response, () -> {
          store.create(new JobSubmission("job-1", "n", "{}", "h", "engineer", java.time.Instant.EPOCH));
          return HeartbeatResponse.getDefaultInstance();
        });
      }
    }.bindService());

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () ->
        FleetGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
            .heartbeat(HeartbeatRequest.getDefaultInstance()));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), String.valueOf(e.getStatus()));
    assertTrue(e.getStatus().getDescription().startsWith("cannot record job job-1 in the embedded store in "
        + data.toAbsolutePath()), e.getStatus().getDescription());
  }

  @Test
  void exceptionInAListenerCallback_isInternalBehindTheInterceptor() throws Exception {
    start(ServerInterceptors.intercept(new Broken(), new FailureInterceptor()));

    StatusRuntimeException e = upload();

    assertEquals(Status.Code.INTERNAL, e.getStatus().getCode(), String.valueOf(e.getStatus()));
    assertTrue(e.getStatus().getDescription().contains("(IllegalStateException)"),
        e.getStatus().getDescription());
    assertFalse(e.getStatus().getDescription().contains("secret"), e.getStatus().getDescription());
  }

  @Test
  void exceptionInAListenerCallback_withoutTheInterceptorIsGrpcsUnknown() throws Exception {
    start(new Broken().bindService());

    assertEquals(Status.Code.UNKNOWN, upload().getStatus().getCode());
  }

  private StatusRuntimeException upload() throws Exception {
    CompletableFuture<SubmitUpdateResponse> reply = new CompletableFuture<>();
    StreamObserver<UpdateChunk> requests = FleetGrpc.newStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS).submitUpdate(new StreamObserver<>() {
          @Override
          public void onNext(SubmitUpdateResponse value) {
            reply.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            reply.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    requests.onNext(UpdateChunk.newBuilder().setHeader(UpdateHeader.getDefaultInstance()).build());
    ExecutionException e = assertThrows(ExecutionException.class, () -> reply.get(5, TimeUnit.SECONDS));
    return (StatusRuntimeException) e.getCause();
  }
}
