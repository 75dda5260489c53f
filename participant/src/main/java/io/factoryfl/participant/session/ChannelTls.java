package io.factoryfl.participant.session;

import io.factoryfl.core.security.TlsFailures;
import io.factoryfl.core.security.TlsMaterial;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Opens the participant's outbound channel to the coordinator: TLS 1.3, presenting our
 * certificate, and accepting only a server certificate from the federation CA whose
 * SubjectAlternativeName matches the host in {@code target}.
 *
 * <p>Our own certificate is checked before anything is dialled: an expired or not yet valid
 * one is refused here with the time and what to do, instead of failing the handshake. A call
 * that fails because the connection cannot be made ends with {@code UNAVAILABLE} and a
 * description naming the likely cause (the coordinator's certificate expired or is from another
 * CA, the coordinator refused ours, nothing listens there; see {@link TlsFailures}) instead of
 * gRPC's "io exception".
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
   * As {@link #open(String, TlsMaterial, Clock)} with the system clock, as TLS itself uses; {@code
   * target} may list several addresses, comma-separated (an active coordinator and its standbys):
   * then the channel fails over between them ({@link FailoverChannel}).
   */
  public static ManagedChannel open(String target, TlsMaterial tls) throws SSLException {
    List<String> targets = List.of(target.split(","));
    if (targets.size() == 1) {
      return open(target, tls, Clock.systemUTC());
    }
    List<ManagedChannel> channels = new ArrayList<>();
    for (String each : targets) {
      channels.add(open(each.strip(), tls, Clock.systemUTC()));
    }
    return new FailoverChannel(targets.stream().map(String::strip).toList(), channels);
  }

  /**
   * Opens a channel; the connection is made lazily on the first call. The caller owns the
   * channel and must shut it down.
   *
   * @param target a gRPC target such as {@code coordinator.example.com:7443}
   * @param clock decides whether our own certificate is currently valid
   * @throws SSLException if our certificate is expired or not yet valid (the message says when
   *     and what to do), or if the JVM's TLS stack cannot provide TLS 1.3 with this material
   */
  public static ManagedChannel open(String target, TlsMaterial tls, Clock clock)
      throws SSLException {
    Optional<String> problem = tls.problemAt(clock.instant());
    if (problem.isPresent()) {
      throw new SSLException(problem.get());
    }
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
        .intercept(explainingFailures(target))
        .build();
  }

  /**
   * An interceptor that rewrites the description of an {@code UNAVAILABLE} whose cause
   * {@link TlsFailures} recognises; the code and the cause stay as they were.
   */
  public static ClientInterceptor explainingFailures(String target) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
          CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(
            next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(
                listener) {
              @Override
              public void onClose(Status status, Metadata trailers) {
                super.onClose(explained(status, target), trailers);
              }
            }, headers);
          }
        };
      }
    };
  }

  static Status explained(Status status, String target) {
    if (status.getCode() != Status.Code.UNAVAILABLE || status.getCause() == null) {
      return status;
    }
    return TlsFailures.describe(status.getCause(), target)
        .map(status::withDescription)
        .orElse(status);
  }
}
