package io.factoryfl.coordinator.enrol;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * The network address an Enrolment call came from, as the key the failure limiter and the
 * audit log use. An IPv4 caller is its address without the port (reconnecting does not make a
 * new peer); an IPv6 caller is its /64 network, because one host usually has a whole /64 to
 * pick addresses from. A call without a socket address (in-process transport) is "unknown".
 */
final class RemotePeer {

  static final String UNKNOWN = "unknown";
  private static final Context.Key<SocketAddress> ADDRESS = Context.key("enrolment-remote");

  private RemotePeer() {}

  /** Puts the transport's remote address into the context of every call it intercepts. */
  static ServerInterceptor capture() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        return Contexts.interceptCall(Context.current().withValue(ADDRESS, remote), call,
            headers, next);
      }
    };
  }

  /** The key of the current call's caller. */
  static String current() {
    return keyOf(ADDRESS.get());
  }

  /** The key of {@code address}: see the class comment. */
  static String keyOf(SocketAddress address) {
    if (!(address instanceof InetSocketAddress inet) || inet.getAddress() == null) {
      return UNKNOWN;
    }
    InetAddress ip = inet.getAddress();
    if (ip instanceof Inet6Address && !ip.isLoopbackAddress()) {
      byte[] network = Arrays.copyOf(ip.getAddress(), 16);
      Arrays.fill(network, 8, 16, (byte) 0);
      try {
        return InetAddress.getByAddress(network).getHostAddress() + "/64";
      } catch (UnknownHostException e) {
        throw new IllegalStateException("16 bytes are an IPv6 address", e);
      }
    }
    return ip.getHostAddress();
  }
}
