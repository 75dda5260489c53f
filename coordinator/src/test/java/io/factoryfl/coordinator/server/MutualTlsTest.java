package io.factoryfl.coordinator.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.HeartbeatRequest;
import io.factoryfl.proto.v1.HeartbeatResponse;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real loopback sockets with TLS: who gets in, and what the service learns about them. */
class MutualTlsTest {

  private static final CertificateAuthority CA = newCa("federation");
  private static final CertificateAuthority OTHER_CA = newCa("elsewhere");
  private static final IssuedIdentity SITE_OF_CA =
      CA.issue("plant-1", Role.PARTICIPANT, Duration.ofDays(1), List.of());

  private final AtomicReference<PeerIdentity> seenPeer = new AtomicReference<>();
  private final AtomicReference<String> seenProtocol = new AtomicReference<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Server server;

  @BeforeEach
  void startServer() throws Exception {
    TlsMaterial serverTls = TlsMaterial.of(
        CA.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1), List.of("localhost")));
    server = ServerTls.serverBuilder(new InetSocketAddress("127.0.0.1", 0), serverTls)
        .addService(ServerInterceptors.intercept(
            new HeartbeatOnly(), new AuthenticationInterceptor(), new RecordProtocol()))
        .build()
        .start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void clientWithFederationCertificate_isServedAndIdentified() throws Exception {
    TlsMaterial site = TlsMaterial.of(
        CA.issue("plant-3", Role.PARTICIPANT, Duration.ofDays(1), List.of()));

    HeartbeatResponse response = heartbeat(channel(site, true));

    assertTrue(response.getSessionValid());
    assertEquals(new PeerIdentity("plant-3", Role.PARTICIPANT), seenPeer.get());
  }

  @Test
  void connection_negotiatesTls13() throws Exception {
    TlsMaterial site = TlsMaterial.of(
        CA.issue("plant-3", Role.PARTICIPANT, Duration.ofDays(1), List.of()));
    heartbeat(channel(site, true));
    assertEquals("TLSv1.3", seenProtocol.get());
  }

  @Test
  void clientWithCertificateFromAnotherCa_isRefused() throws Exception {
    // Trusts our CA (so it accepts the server) but presents a certificate from elsewhere.
    // Left alone, the client's key manager would offer nothing, because the server names the
    // CAs it accepts; presenting it anyway makes the server's own verification decide.
    TlsMaterial intruder = TlsMaterial.of(
        OTHER_CA.issue("plant-3", Role.PARTICIPANT, Duration.ofDays(1), List.of()));
    ManagedChannel channel = channel(
        presentRegardlessOfIssuer(intruder), TlsMaterial.of(SITE_OF_CA).trustManagerFactory());

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> heartbeat(channel));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertNull(seenPeer.get(), "the service must never run for a refused client");
  }

  @Test
  void clientWithoutCertificate_isRefused() throws Exception {
    // The handshake admits it (a site that is enrolling has no certificate yet); the
    // certificate check before any service refuses every call but Enrolment/Enrol.
    TlsMaterial site = TlsMaterial.of(
        CA.issue("plant-3", Role.PARTICIPANT, Duration.ofDays(1), List.of()));
    ManagedChannel channel = channel(site, false);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> heartbeat(channel));

    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith(
        AuthenticationInterceptor.CERTIFICATE_REQUIRED + "; none was presented"),
        e.getStatus().getDescription());
    assertNull(seenPeer.get());
  }

  @Test
  void serviceRegisteredWithoutTheInterceptor_stillRefusesCallsWithoutCertificate()
      throws Exception {
    TlsMaterial serverTls = TlsMaterial.of(
        CA.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1), List.of("localhost")));
    Server unguarded = ServerTls.serverBuilder(new InetSocketAddress("127.0.0.1", 0), serverTls)
        .addService(new HeartbeatOnly())
        .build()
        .start();
    try {
      TlsMaterial site = TlsMaterial.of(
          CA.issue("plant-3", Role.PARTICIPANT, Duration.ofDays(1), List.of()));
      SslContextBuilder ssl = SslContextBuilder.forClient().trustManager(site.trustManagerFactory());
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", unguarded.getPort())
          .sslContext(GrpcSslContexts.configure(ssl).protocols("TLSv1.3").build())
          .build();
      channels.add(channel);

      StatusRuntimeException e =
          assertThrows(StatusRuntimeException.class, () -> heartbeat(channel));

      assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
      assertNull(seenPeer.get());
    } finally {
      unguarded.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static HeartbeatResponse heartbeat(ManagedChannel channel) {
    return FleetGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .heartbeat(HeartbeatRequest.newBuilder().setSessionId("s").build());
  }

  private ManagedChannel channel(TlsMaterial tls, boolean presentCertificate) throws Exception {
    KeyManager keyManager = presentCertificate ? tls.keyManagerFactory().getKeyManagers()[0] : null;
    return channel(keyManager, tls.trustManagerFactory());
  }

  private ManagedChannel channel(KeyManager keyManager, TrustManagerFactory trust)
      throws Exception {
    SslContextBuilder ssl = SslContextBuilder.forClient().trustManager(trust);
    if (keyManager != null) {
      ssl.keyManager(keyManager);
    }
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
        .sslContext(GrpcSslContexts.configure(ssl).protocols("TLSv1.3").build())
        .build();
    channels.add(channel);
    return channel;
  }

  /** A client key manager that offers our certificate whatever CAs the server asks for. */
  private static KeyManager presentRegardlessOfIssuer(TlsMaterial tls) {
    X509ExtendedKeyManager real =
        (X509ExtendedKeyManager) tls.keyManagerFactory().getKeyManagers()[0];
    return new X509ExtendedKeyManager() {
      @Override
      public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers,
          SSLEngine engine) {
        return real.chooseEngineClientAlias(keyTypes, null, engine);
      }

      @Override
      public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return real.chooseClientAlias(keyTypes, null, socket);
      }

      @Override
      public String[] getClientAliases(String keyType, Principal[] issuers) {
        return real.getClientAliases(keyType, null);
      }

      @Override
      public String[] getServerAliases(String keyType, Principal[] issuers) {
        return real.getServerAliases(keyType, issuers);
      }

      @Override
      public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return real.chooseServerAlias(keyType, issuers, socket);
      }

      @Override
      public X509Certificate[] getCertificateChain(String alias) {
        return real.getCertificateChain(alias);
      }

      @Override
      public PrivateKey getPrivateKey(String alias) {
        return real.getPrivateKey(alias);
      }
    };
  }

  private static CertificateAuthority newCa(String name) {
    return CertificateAuthority.create(
        name, Clock.systemUTC(), Duration.ofDays(2), new SecureRandom());
  }

  private final class HeartbeatOnly extends FleetGrpc.FleetImplBase {
    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
      seenPeer.set(Peers.current());
      response.onNext(HeartbeatResponse.newBuilder().setSessionValid(true).build());
      response.onCompleted();
    }
  }

  /** Runs before authentication (interceptors apply last-first) and records the TLS version. */
  private final class RecordProtocol implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
      seenProtocol.set(session == null ? null : session.getProtocol());
      return next.startCall(call, headers);
    }
  }
}
