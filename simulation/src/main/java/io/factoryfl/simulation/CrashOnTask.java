package io.factoryfl.simulation;

import io.factoryfl.coordinator.server.Peers;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.PollTaskResponse;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The coordinator's side of {@code --faults crash:FACTORY@ROUND} for participant processes: when
 * the coordinator hands FACTORY its round-ROUND training task (plain, or the masked-input stage of
 * secure aggregation), the moment the in-process {@link FaultInjector} takes the node dark, it
 * calls {@code crash} once for that fault. Runs behind authentication, which names the caller.
 */
final class CrashOnTask implements ServerInterceptor {
  private final List<Fault> crashes;
  private final BiConsumer<String, Fault> crash;
  private final Set<Fault> fired = ConcurrentHashMap.newKeySet();

  /** @param crash told the factory and the fault; must not block (it runs on a gRPC thread) */
  CrashOnTask(List<Fault> faults, BiConsumer<String, Fault> crash) {
    this.crashes = faults.stream().filter(f -> f.kind() == Fault.Kind.CRASH).toList();
    this.crash = crash;
  }

  /** {@code authentication} first (it names the caller), then this interceptor. */
  ServerInterceptor after(ServerInterceptor authentication) {
    CrashOnTask self = this;
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return authentication.interceptCall(call, headers, (c, h) -> self.interceptCall(c, h, next));
      }
    };
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    PeerIdentity peer = Peers.PEER.get();
    if (peer == null || !call.getMethodDescriptor().equals(FleetGrpc.getPollTaskMethod())) {
      return next.startCall(call, headers);
    }
    List<Fault> mine = crashes.stream().filter(f -> f.factory().equals(peer.name())).toList();
    if (mine.isEmpty()) {
      return next.startCall(call, headers);
    }
    return next.startCall(new SimpleForwardingServerCall<>(call) {
      @Override
      public void sendMessage(R message) {
        super.sendMessage(message);
        PollTaskResponse response = (PollTaskResponse) message;
        if (response.hasTask() && (response.getTask().hasTrain() || response.getTask().hasSecaggMaskedInput())) {
          for (Fault fault : mine) {
            if (fault.round() == response.getTask().getRound() && fired.add(fault)) {
              crash.accept(peer.name(), fault);
            }
          }
        }
      }
    }, headers);
  }
}
