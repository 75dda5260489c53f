package io.factoryfl.participant.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.CertificateLog;
import io.factoryfl.core.security.IssuedIdentity;
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
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real loopback TLS: the participant only talks to a coordinator vouched for by its CA. */
class ChannelTlsTest {

  private static final CertificateAuthority CA = newCa("federation");
  private static final CertificateAuthority OTHER_CA = newCa("elsewhere");
  private static final TlsMaterial SITE = TlsMaterial.of(
      CA.issue("plant-3", Role.PARTICIPANT, Duration.ofDays(1), List.of()));
  /** A CA made ten days ago, to hand out certificates that have already expired. */
  private static final CertificateAuthority PAST_CA = CertificateAuthority.create("past",
      Clock.fixed(Instant.now().minus(Duration.ofDays(10)), ZoneOffset.UTC), Duration.ofDays(30),
      new SecureRandom());
  private static final TlsMaterial PAST_SITE = TlsMaterial.of(
      PAST_CA.issue("plant-4", Role.PARTICIPANT, Duration.ofDays(20), List.of()));

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
  void open_reachesCoordinatorCertifiedByTheFederationCa() throws Exception {
    startServer(CA, List.of("localhost"));
    channel = ChannelTls.open("127.0.0.1:" + server.getPort(), SITE);
    assertTrue(heartbeat().getSessionValid());
  }

  @Test
  void open_refusesServerCertifiedByAnotherCa_namingBothCas() throws Exception {
    startServer(OTHER_CA, List.of("localhost"));
    channel = ChannelTls.open("127.0.0.1:" + server.getPort(), SITE);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, this::heartbeat);
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("cannot connect to the coordinator at"
        + " 127.0.0.1:" + server.getPort() + " over TLS: the coordinator's certificate"
        + " 'coordinator' (coordinator, serial "), e.getStatus().getDescription());
    assertTrue(e.getStatus().getDescription().contains("was issued by CN=elsewhere CA,"
        + "O=elsewhere, but the CA this node trusts is CN=federation CA,O=federation"),
        e.getStatus().getDescription());
  }

  @Test
  void open_refusesServerWhoseCertificateIsForAnotherHost_namingItsHosts() throws Exception {
    startServer(CA, List.of("coordinator.example.com"));
    channel = ChannelTls.open("127.0.0.1:" + server.getPort(), SITE);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, this::heartbeat);
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains(" is for [coordinator.example.com], not"
        + " for the host dialled"), e.getStatus().getDescription());
  }

  @Test
  void open_refusesServerWithAnExpiredCertificate_sayingWhenItExpired() throws Exception {
    IssuedIdentity expired = PAST_CA.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1),
        List.of("localhost"));
    startServer(TlsMaterial.of(expired));
    channel = ChannelTls.open("localhost:" + server.getPort(), PAST_SITE);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, this::heartbeat);
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("the coordinator's certificate"
        + " 'coordinator' (coordinator, serial " + serial(expired) + ") expired at "
        + expired.certificate().getNotAfter().toInstant()), e.getStatus().getDescription());
  }

  @Test
  void open_withOurOwnCertificateExpired_refusesBeforeDialling() throws Exception {
    IssuedIdentity expired = PAST_CA.issue("plant-3", Role.PARTICIPANT, Duration.ofDays(1),
        List.of());

    SSLException e = assertThrows(SSLException.class,
        () -> ChannelTls.open("localhost:1", TlsMaterial.of(expired)));

    assertTrue(e.getMessage().startsWith("this node's certificate 'plant-3' (participant, serial "
        + serial(expired) + ") expired at " + expired.certificate().getNotAfter().toInstant()),
        e.getMessage());
    assertTrue(e.getMessage().contains("ask the CA operator for a new token"), e.getMessage());
    server = null;
  }

  @Test
  void coordinatorRefusingOurExpiredCertificate_isNamedAsSuch() throws Exception {
    IssuedIdentity expired = PAST_CA.issue("plant-3", Role.PARTICIPANT, Duration.ofDays(1),
        List.of());
    startServer(TlsMaterial.of(PAST_CA.issue("coordinator", Role.COORDINATOR,
        Duration.ofDays(20), List.of("localhost"))));
    // a node whose clock is behind does not notice its certificate expired; the coordinator does
    Clock behind = Clock.fixed(expired.certificate().getNotAfter().toInstant()
        .minus(Duration.ofHours(1)), ZoneOffset.UTC);
    channel = ChannelTls.open("localhost:" + server.getPort(), TlsMaterial.of(expired), behind);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, this::heartbeat);

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("the coordinator at localhost:"
        + server.getPort() + " refused this node's certificate in the TLS handshake as expired"),
        e.getStatus().getDescription());
  }

  @Test
  void nothingListening_isNamedAsSuch() throws Exception {
    startServer(CA, List.of("localhost"));
    int port = server.getPort();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    channel = ChannelTls.open("localhost:" + port, SITE);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, this::heartbeat);

    assertTrue(e.getStatus().getDescription().startsWith("cannot connect to the coordinator at"
        + " localhost:" + port + ": nothing accepts connections there"),
        e.getStatus().getDescription());
  }

  private HeartbeatResponse heartbeat() {
    return FleetGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .heartbeat(HeartbeatRequest.newBuilder().setSessionId("s").build());
  }

  /** A stand-in coordinator (this module cannot use the coordinator's ServerTls). */
  private void startServer(CertificateAuthority ca, List<String> dns) throws Exception {
    startServer(TlsMaterial.of(ca.issue("coordinator", Role.COORDINATOR,
        Duration.ofDays(1), dns)));
  }

  private void startServer(TlsMaterial tls) throws Exception {
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

  private static String serial(IssuedIdentity identity) {
    return CertificateLog.serialHex(identity.certificate().getSerialNumber());
  }

  private static CertificateAuthority newCa(String name) {
    return CertificateAuthority.create(
        name, Clock.systemUTC(), Duration.ofDays(2), new SecureRandom());
  }
}
