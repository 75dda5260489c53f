package io.factoryfl.participant.session;

import io.factoryfl.core.security.TlsMaterial;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Opens the participant's outbound channel to the coordinator: TLS 1.3, presenting our
 * certificate, and accepting only a server certificate from the federation CA whose
 * SubjectAlternativeName matches the host in {@code target}.
 *
 * <p>The channel pings every {@link #KEEPALIVE}, even between calls, so that plant firewalls
 * and NAT devices do not silently drop the idle connection; the coordinator permits pings at
 * that rate (its {@code ServerTls} allows one every 20 s).
 */
public final class ChannelTls {

  /** Interval between keepalive pings on an otherwise idle connection. */
  public static final Duration KEEPALIVE = Duration.ofSeconds(30);
  /** How long to wait for a ping acknowledgement before treating the connection as dead. */
  public static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(10);

  private ChannelTls() {}

  /**
   * Opens a channel; the connection is made lazily on the first call. The caller owns the
   * channel and must shut it down.
   *
   * @param target a gRPC target such as {@code coordinator.example.com:7443}
   * @throws SSLException if the JVM's TLS stack cannot provide TLS 1.3 with this material
   */
  public static ManagedChannel open(String target, TlsMaterial tls) throws SSLException {
    SslContext ssl = GrpcSslContexts.configure(SslContextBuilder.forClient()
            .keyManager(tls.keyManagerFactory())
            .trustManager(tls.trustManagerFactory()))
        .protocols("TLSv1.3")
        .build();
    return NettyChannelBuilder.forTarget(target)
        .sslContext(ssl)
        .keepAliveTime(KEEPALIVE.toSeconds(), TimeUnit.SECONDS)
        .keepAliveTimeout(KEEPALIVE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
        .keepAliveWithoutCalls(true)
        .build();
  }
}
