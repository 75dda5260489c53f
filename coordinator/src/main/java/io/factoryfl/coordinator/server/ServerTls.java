package io.factoryfl.coordinator.server;

import io.factoryfl.core.security.TlsMaterial;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Builds the coordinator's gRPC server transport: TLS 1.3 only, and every client must present
 * a certificate that chains to the federation CA ({@link TlsMaterial#trustManagerFactory()}),
 * so clients from any other issuer, or with no certificate, fail in the handshake. Pair it
 * with {@link AuthenticationInterceptor} to learn who the client is.
 */
public final class ServerTls {

  /**
   * The shortest client keepalive interval the server tolerates. Participants ping every
   * {@code ChannelTls.KEEPALIVE} (30 s) to keep idle connections open through plant
   * firewalls; pinging more often than this is answered with GOAWAY.
   */
  static final long PERMIT_KEEPALIVE_SECONDS = 20;

  private ServerTls() {}

  /**
   * A server builder listening on {@code address} with mutual TLS from {@code tls}. The caller
   * adds services (intercepted by {@link AuthenticationInterceptor}), builds and starts it.
   *
   * @throws SSLException if the JVM's TLS stack cannot provide TLS 1.3 with this material
   */
  public static NettyServerBuilder serverBuilder(InetSocketAddress address, TlsMaterial tls)
      throws SSLException {
    SslContext ssl = GrpcSslContexts.configure(SslContextBuilder.forServer(tls.keyManagerFactory()))
        .trustManager(tls.trustManagerFactory())
        .clientAuth(ClientAuth.REQUIRE)
        .protocols("TLSv1.3")
        .build();
    return NettyServerBuilder.forAddress(address)
        .sslContext(ssl)
        .permitKeepAliveTime(PERMIT_KEEPALIVE_SECONDS, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true);
  }
}
