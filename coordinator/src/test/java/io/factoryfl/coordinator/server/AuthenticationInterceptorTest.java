package io.factoryfl.coordinator.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.Role;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.HeartbeatRequest;
import io.factoryfl.proto.v1.HeartbeatResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** In-process (no TLS): the interceptor's own refusal, and the test-only fixed identity. */
class AuthenticationInterceptorTest {

  private final AtomicReference<PeerIdentity> seenPeer = new AtomicReference<>();
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void callWithoutTls_isUnauthenticatedAndNeverReachesTheService() throws IOException {
    start(new AuthenticationInterceptor());

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, this::heartbeat);

    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith(
        "a client certificate issued by the federation CA is required"),
        e.getStatus().getDescription());
    assertEquals(null, seenPeer.get());
  }

  @Test
  void fixedIdentity_handsTheGivenPeerToTheService() throws IOException {
    PeerIdentity alice = new PeerIdentity("alice", Role.ADMIN);
    start(AuthenticationInterceptor.fixedIdentity(alice));

    heartbeat();

    assertEquals(alice, seenPeer.get());
  }

  @Test
  void current_outsideAnAuthenticatedCall_explainsTheWiringMistake() {
    IllegalStateException e = assertThrows(IllegalStateException.class, Peers::current);
    assertTrue(e.getMessage().contains("AuthenticationInterceptor"), e.getMessage());
  }

  private void start(ServerInterceptor interceptor) throws IOException {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(new FleetGrpc.FleetImplBase() {
          @Override
          public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> out) {
            seenPeer.set(Peers.current());
            out.onNext(HeartbeatResponse.newBuilder().setSessionValid(true).build());
            out.onCompleted();
          }
        }, interceptor))
        .build()
        .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  private HeartbeatResponse heartbeat() {
    return FleetGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .heartbeat(HeartbeatRequest.getDefaultInstance());
  }
}
