package io.factoryfl.coordinator.server;

import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.proto.v1.AdminGrpc;
import io.factoryfl.proto.v1.FleetGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test fixture: a real coordinator (registry, task board, model store, round logs, the real
 * authentication interceptor) on a loopback socket with mutual TLS 1.3, and clients holding real
 * certificates from the same throwaway CA, as a deployed participant or engineer would.
 */
final class TlsCoordinator implements AutoCloseable {
  static final long RPC_SECONDS = 10;

  private final CertificateAuthority ca;
  private final CoordinatorServer server;
  private final Path dataDir;
  private final List<ManagedChannel> channels = new ArrayList<>();

  private TlsCoordinator(CertificateAuthority ca, CoordinatorServer server, Path dataDir) {
    this.ca = ca;
    this.server = server;
    this.dataDir = dataDir;
  }

  static TlsCoordinator start(Path dataDir, CoordinatorLimits limits) throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("malice", Clock.systemUTC(),
        Duration.ofDays(2), new SecureRandom());
    IssuedIdentity coordinator =
        ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1), List.of("localhost"));
    CoordinatorServer server = CoordinatorServer.assemble(
        ServerTls.serverBuilder(new InetSocketAddress("127.0.0.1", 0), TlsMaterial.of(coordinator)),
        dataDir, Clock.systemUTC(), Duration.ofSeconds(30), new AuthenticationInterceptor(),
        SigningIdentity.of(coordinator), null, limits).start();
    return new TlsCoordinator(ca, server, dataDir);
  }

  CoordinatorServer server() {
    return server;
  }

  /** The federation CA's certificate, as an auditor holds it. */
  java.security.cert.X509Certificate caCertificate() {
    return ca.certificate();
  }

  /** The round log of a job. */
  Path ledger(String jobId) {
    return dataDir.resolve("ledgers").resolve(jobId + ".jsonl");
  }

  /** A new connection presenting a freshly issued certificate for {@code name} in {@code role}. */
  ManagedChannel channel(String name, Role role) throws Exception {
    TlsMaterial tls = TlsMaterial.of(ca.issue(name, role, Duration.ofDays(1), List.of()));
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
        .sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient()
            .keyManager(tls.keyManagerFactory())
            .trustManager(tls.trustManagerFactory())).protocols("TLSv1.3").build())
        .overrideAuthority("localhost")
        .maxInboundMessageSize(CoordinatorServer.MAX_INBOUND_MESSAGE_BYTES)
        .build();
    channels.add(channel);
    return channel;
  }

  /** A TLS connection that presents no client certificate (a probe, or a node before enrolling). */
  ManagedChannel anonymousChannel() throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
        .sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient()
            .trustManager(ca.certificate())).protocols("TLSv1.3").build())
        .overrideAuthority("localhost")
        .build();
    channels.add(channel);
    return channel;
  }

  AdminGrpc.AdminBlockingStub admin() throws Exception {
    return AdminGrpc.newBlockingStub(channel("engineer", Role.ADMIN))
        .withDeadlineAfter(RPC_SECONDS, TimeUnit.SECONDS);
  }

  static FleetGrpc.FleetBlockingStub fleet(ManagedChannel channel) {
    return FleetGrpc.newBlockingStub(channel).withDeadlineAfter(RPC_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    server.stop();
  }
}
