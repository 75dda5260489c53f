package io.factoryfl.coordinator.server;

import io.factoryfl.core.security.PeerIdentity;
import io.grpc.Context;

/**
 * The authenticated caller of the current RPC, as put into the gRPC {@link Context} by
 * {@link AuthenticationInterceptor}. Service code asks {@link #current()} instead of trusting
 * any identity carried in a request message.
 */
public final class Peers {

  /** The verified identity of the caller; set only by {@link AuthenticationInterceptor}. */
  public static final Context.Key<PeerIdentity> PEER = Context.key("factoryfl-peer-identity");

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
}
