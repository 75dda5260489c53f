package io.factoryfl.coordinator.metrics;

import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.micrometer.core.instrument.Counter;
import java.util.Set;

/**
 * Counts the bytes of every gRPC message the coordinator receives and sends, per method, as they
 * cross the wire: model downloads, update uploads and everything else, with no code in the
 * services. Install on the server builder with {@code addStreamTracerFactory}.
 *
 * <p>Calls of methods the server does not serve count under {@code method="other"}: a caller
 * cannot add series by inventing method names.
 */
public final class RpcBytes extends ServerStreamTracer.Factory {
  private final CoordinatorMetrics metrics;
  private final Set<String> served;

  /** @param served the full names of the methods the server serves ({@code factoryfl.v1.Fleet/SubmitUpdate}) */
  public RpcBytes(CoordinatorMetrics metrics, Set<String> served) {
    this.metrics = metrics;
    this.served = Set.copyOf(served);
  }

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    // "factoryfl.v1.Fleet/SubmitUpdate" -> "Fleet/SubmitUpdate": short, and a closed set
    String method = served.contains(fullMethodName)
        ? fullMethodName.substring(fullMethodName.lastIndexOf('.', fullMethodName.indexOf('/')) + 1) : "other";
    Counter received = metrics.bytesReceived(method);
    Counter sent = metrics.bytesSent(method);
    return new ServerStreamTracer() {
      @Override
      public void inboundWireSize(long bytes) {
        received.increment(bytes);
      }

      @Override
      public void outboundWireSize(long bytes) {
        sent.increment(bytes);
      }
    };
  }
}
