package io.factoryfl.coordinator.server;

import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.TlsMaterial;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test fixture: a coordinator-style server on a real loopback socket with {@link ServerTls},
 * every service behind one gate interceptor, and client channels that present a given identity
 * or none. Closing it shuts down every channel it made and the server.
 */
public final class TlsLoopback implements AutoCloseable {

  private final CertificateAuthority ca;
  private final Server server;
  private final List<ManagedChannel> channels = new ArrayList<>();

  private TlsLoopback(CertificateAuthority ca, Server server) {
    this.ca = ca;
    this.server = server;
  }

  /** Starts a server whose certificate (for "localhost", 127.0.0.1) comes from {@code ca}. */
  public static TlsLoopback start(CertificateAuthority ca, ServerInterceptor gate,
      BindableService... services) throws Exception {
    TlsMaterial tls = TlsMaterial.of(
        ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1), List.of("localhost")));
    var builder = ServerTls.serverBuilder(new InetSocketAddress("127.0.0.1", 0), tls);
    for (BindableService service : services) {
      builder.addService(ServerInterceptors.intercept(service, gate));
    }
    return new TlsLoopback(ca, builder.build().start());
  }

  /** The port the server listens on (on 127.0.0.1, with a certificate for "localhost"). */
  public int port() {
    return server.getPort();
  }

  /** A channel that presents no client certificate, as an enrolling site's does. */
  public ManagedChannel anonymousChannel() throws Exception {
    return open(SslContextBuilder.forClient()
        .trustManager(TlsMaterial.trustOnly(List.of(ca.certificate()))));
  }

  /** A new connection that presents {@code identity}'s certificate. */
  public ManagedChannel channel(IssuedIdentity identity) throws Exception {
    TlsMaterial tls = TlsMaterial.of(identity);
    return open(SslContextBuilder.forClient()
        .keyManager(tls.keyManagerFactory())
        .trustManager(tls.trustManagerFactory()));
  }

  private ManagedChannel open(SslContextBuilder ssl) throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
        .sslContext(GrpcSslContexts.configure(ssl).protocols("TLSv1.3").build())
        .build();
    channels.add(channel);
    return channel;
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
