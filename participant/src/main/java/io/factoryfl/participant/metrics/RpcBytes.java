package io.factoryfl.participant.metrics;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts the bytes of every gRPC message a call sends and receives, per method, as they cross the
 * wire, through a stream tracer on each call: no code in the session.
 */
final class RpcBytes implements ClientInterceptor {
  private final MeterRegistry registry;

  RpcBytes(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    // "factoryfl.v1.Fleet/SubmitUpdate" -> "Fleet/SubmitUpdate"; only the stubs' own methods come here
    String full = method.getFullMethodName();
    String name = full.substring(full.lastIndexOf('.', full.indexOf('/')) + 1);
    Counter sent = Counter.builder("factoryfl.participant.rpc.sent").baseUnit("bytes")
        .description("bytes of gRPC messages sent to the coordinator").tag("method", name).register(registry);
    Counter received = Counter.builder("factoryfl.participant.rpc.received").baseUnit("bytes")
        .description("bytes of gRPC messages received from the coordinator").tag("method", name)
        .register(registry);
    return next.newCall(method, options.withStreamTracerFactory(new ClientStreamTracer.Factory() {
      @Override
      public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
        return new ClientStreamTracer() {
          @Override
          public void outboundWireSize(long bytes) {
            sent.increment(bytes);
          }

          @Override
          public void inboundWireSize(long bytes) {
            received.increment(bytes);
          }
        };
      }
    }));
  }
}
