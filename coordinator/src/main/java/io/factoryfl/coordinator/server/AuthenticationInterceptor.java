package io.factoryfl.coordinator.server;

import io.factoryfl.core.security.PeerIdentity;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Establishes who is calling from the client certificate that the TLS handshake has already
 * verified against the federation CA (see {@link ServerTls}), and hands it to service code
 * through {@link Peers#PEER}. A call without a TLS session, without a client certificate, or
 * whose certificate subject is not a valid identity is closed with {@code UNAUTHENTICATED}
 * before any service code runs.
 *
 * <p>The handshake already refuses such clients when the server is built by
 * {@link ServerTls}; this check keeps a mis-built server from serving anonymous callers.
 * Roles are not checked here: each service decides which roles it serves.
 */
public final class AuthenticationInterceptor implements ServerInterceptor {

  static final String CERTIFICATE_REQUIRED =
      "a client certificate issued by the federation CA is required";

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return reject(call, headers, CERTIFICATE_REQUIRED + "; this connection is not TLS");
    }
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return reject(call, headers, CERTIFICATE_REQUIRED + "; none was presented");
    }
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
      return reject(call, headers, CERTIFICATE_REQUIRED + "; none was presented");
    }
    PeerIdentity peer;
    try {
      peer = PeerIdentity.fromCertificate(leaf);
    } catch (IllegalArgumentException e) {
      return reject(call, headers, CERTIFICATE_REQUIRED + "; " + e.getMessage());
    }
    return Contexts.interceptCall(Context.current().withValue(Peers.PEER, peer), call, headers,
        next);
  }

  /**
   * For tests only: an interceptor that claims every call comes from {@code peer}, for
   * in-process servers that have no TLS. Never install it on a network server.
   */
  public static ServerInterceptor fixedIdentity(PeerIdentity peer) {
    Objects.requireNonNull(peer, "peer");
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return Contexts.interceptCall(Context.current().withValue(Peers.PEER, peer), call,
            headers, next);
      }
    };
  }

  private static <Q, R> ServerCall.Listener<Q> reject(
      ServerCall<Q, R> call, Metadata headers, String description) {
    call.close(Status.UNAUTHENTICATED.withDescription(description), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
