package io.factoryfl.coordinator.server;

import io.factoryfl.core.security.TlsMaterial;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Builds the coordinator's gRPC server transport: TLS 1.3 only, and a client certificate, when
 * presented, must chain to the federation CA ({@link TlsMaterial#trustManagerFactory()}) or the
 * handshake fails.
 *
 * <p>A client certificate is requested but not required (TLS "want"), because a site that is
 * enrolling has none yet. {@link AuthenticationInterceptor}, registered on every service,
 * decides: only {@code Enrolment/Enrol} may be called without a certificate. As a safety net
 * against a service registered without that interceptor, the builder also carries a
 * server-wide check that closes every other call without a certificate with
 * {@code UNAUTHENTICATED} before it reaches any service.
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
   * A server builder listening on {@code address} with TLS from {@code tls}. The caller adds
   * services (intercepted by {@link AuthenticationInterceptor}), builds and starts it.
   *
   * @throws SSLException if the JVM's TLS stack cannot provide TLS 1.3 with this material
   */
  public static NettyServerBuilder serverBuilder(InetSocketAddress address, TlsMaterial tls)
      throws SSLException {
    SslContext ssl = GrpcSslContexts.configure(SslContextBuilder.forServer(tls.keyManagerFactory()))
        .trustManager(tls.trustManagerFactory())
        .clientAuth(ClientAuth.OPTIONAL)
        .protocols("TLSv1.3")
        .build();
    NettyServerBuilder builder = NettyServerBuilder.forAddress(address)
        .sslContext(ssl)
        .permitKeepAliveTime(PERMIT_KEEPALIVE_SECONDS, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true);
    builder.intercept(new CertificateRequired(AccessPolicy.standard()));
    return builder;
  }

  /** The server-wide safety net: no certificate, no call, except where the policy allows. */
  private static final class CertificateRequired implements ServerInterceptor {
    private final AccessPolicy policy;

    CertificateRequired(AccessPolicy policy) {
      this.policy = policy;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String method = call.getMethodDescriptor().getFullMethodName();
      if (hasCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION))
          || policy.allowsAnonymous(method)) {
        return next.startCall(call, headers);
      }
      call.close(Status.UNAUTHENTICATED.withDescription(
          AuthenticationInterceptor.missingCertificate(true)), new Metadata());
      return new ServerCall.Listener<>() {};
    }

    private static boolean hasCertificate(SSLSession session) {
      if (session == null) {
        return false;
      }
      try {
        return session.getPeerCertificates().length > 0;
      } catch (SSLPeerUnverifiedException e) {
        return false;
      }
    }
  }
}
