package io.factoryfl.coordinator.server;

import io.factoryfl.core.security.PeerIdentity;
import io.grpc.Context;
import java.security.cert.X509Certificate;

/**
 * The authenticated caller of the current RPC, as put into the gRPC {@link Context} by
 * {@link AuthenticationInterceptor}. Service code asks {@link #current()} instead of trusting
 * any identity carried in a request message.
 */
public final class Peers {

  /** The verified identity of the caller; set only by {@link AuthenticationInterceptor}. */
  public static final Context.Key<PeerIdentity> PEER = Context.key("factoryfl-peer-identity");

  /**
   * The caller's verified, unexpired, unrevoked client certificate; set by
   * {@link AuthenticationInterceptor} together with {@link #PEER} on TLS connections.
   */
  public static final Context.Key<X509Certificate> CERTIFICATE =
      Context.key("factoryfl-peer-certificate");

  private Peers() {}

  /**
   * The caller of the RPC being handled on this thread.
   *
   * @throws IllegalStateException if there is none, which means the service was registered
   *     without {@link AuthenticationInterceptor} (a wiring bug, not a client error)
   */
  public static PeerIdentity current() {
    PeerIdentity peer = PEER.get();
    if (peer == null) {
      throw new IllegalStateException("no authenticated peer in the gRPC Context; register the"
          + " service with ServerInterceptors.intercept(service, new AuthenticationInterceptor())");
    }
    return peer;
  }

  /**
   * The certificate the caller of this RPC presented, or null when the call has none: an
   * anonymous {@code Enrolment/Enrol} call, or a test server without TLS.
   */
  public static X509Certificate currentCertificate() {
    return CERTIFICATE.get();
  }
}
