package io.factoryfl.participant.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.HeartbeatRequest;
import io.factoryfl.proto.v1.HeartbeatResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real loopback TLS: the participant only talks to a coordinator vouched for by its CA. */
class ChannelTlsTest {

  private static final CertificateAuthority CA = newCa("federation");
  private static final CertificateAuthority OTHER_CA = newCa("elsewhere");
  private static final TlsMaterial SITE = TlsMaterial.of(
      CA.issue("plant-3", Role.PARTICIPANT, Duration.ofDays(1), List.of()));

  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void open_reachesCoordinatorCertifiedByTheFederationCa() throws Exception {
    startServer(CA, List.of("localhost"));
    channel = ChannelTls.open("127.0.0.1:" + server.getPort(), SITE);
    assertTrue(heartbeat().getSessionValid());
  }

  @Test
  void open_refusesServerCertifiedByAnotherCa() throws Exception {
    startServer(OTHER_CA, List.of("localhost"));
    channel = ChannelTls.open("127.0.0.1:" + server.getPort(), SITE);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, this::heartbeat);
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
  }

  @Test
  void open_refusesServerWhoseCertificateIsForAnotherHost() throws Exception {
    startServer(CA, List.of("coordinator.example.com"));
    channel = ChannelTls.open("127.0.0.1:" + server.getPort(), SITE);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, this::heartbeat);
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
  }

  private HeartbeatResponse heartbeat() {
    return FleetGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .heartbeat(HeartbeatRequest.newBuilder().setSessionId("s").build());
  }

  /** A stand-in coordinator (this module cannot use the coordinator's ServerTls). */
  private void startServer(CertificateAuthority ca, List<String> dns) throws Exception {
    TlsMaterial tls = TlsMaterial.of(ca.issue("coordinator", Role.COORDINATOR,
        Duration.ofDays(1), dns));
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .sslContext(GrpcSslContexts.configure(SslContextBuilder.forServer(tls.keyManagerFactory()))
            .trustManager(tls.trustManagerFactory())
            .clientAuth(ClientAuth.REQUIRE)
            .protocols("TLSv1.3")
            .build())
        .addService(new FleetGrpc.FleetImplBase() {
          @Override
          public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> out) {
            out.onNext(HeartbeatResponse.newBuilder().setSessionValid(true).build());
            out.onCompleted();
          }
        })
        .build()
        .start();
  }

  private static CertificateAuthority newCa(String name) {
    return CertificateAuthority.create(
        name, Clock.systemUTC(), Duration.ofDays(2), new SecureRandom());
  }
}
