package io.factoryfl.simulation;

import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.PollTaskResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.List;

/**
 * Injects a factory's faults on its channel (a training task, plain or the masked-input stage of
 * secure aggregation, is what starts a round's faults), so the participant code itself runs unchanged: a
 * crashed node's calls all fail (as if its network or process died), a straggler's upload starts
 * only after the round's deadline.
 */
final class FaultInjector implements ClientInterceptor {
  private final List<Fault> faults;
  private volatile long darkUntilNanos = -1;
  private volatile int lastRound;
  private volatile long lastDeadlineMillis;
  private volatile boolean slowDone;

  FaultInjector(List<Fault> faults) {
    this.faults = List.copyOf(faults);
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    if (dark()) {
      return new FailedCall<>();
    }
    if (method.equals(FleetGrpc.getSubmitUpdateMethod())) {
      straggleIfDue();
    }
    ClientCall<Q, R> call = next.newCall(method, options);
    if (!method.equals(FleetGrpc.getPollTaskMethod())) {
      return call;
    }
    return new SimpleForwardingClientCall<>(call) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        super.start(new SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onMessage(R message) {
            PollTaskResponse response = (PollTaskResponse) message;
            if (response.hasTask()
                && (response.getTask().hasTrain() || response.getTask().hasSecaggMaskedInput())) {
              taskArrived(response.getTask().getRound(), response.getTask().getDeadlineEpochMillis());
            }
            super.onMessage(message);
          }
        }, headers);
      }
    };
  }

  private void taskArrived(int round, long deadlineMillis) {
    lastRound = round;
    lastDeadlineMillis = deadlineMillis;
    for (Fault fault : faults) {
      if (fault.kind() == Fault.Kind.CRASH && fault.round() == round && darkUntilNanos < 0) {
        darkUntilNanos = fault.seconds() < 0 ? Long.MAX_VALUE
            : System.nanoTime() + fault.seconds() * 1_000_000_000L;
      }
    }
  }

  private boolean dark() {
    long until = darkUntilNanos;
    return until >= 0 && (until == Long.MAX_VALUE || System.nanoTime() < until);
  }

  private void straggleIfDue() {
    for (Fault fault : faults) {
      if (fault.kind() == Fault.Kind.SLOW && fault.round() == lastRound && !slowDone) {
        slowDone = true;
        long wait = lastDeadlineMillis - System.currentTimeMillis() + 1_500;
        try {
          Thread.sleep(Math.max(0, wait));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** A call that fails at once, like a connection to a dead host. */
  private static final class FailedCall<Q, R> extends ClientCall<Q, R> {
    @Override
    public void start(Listener<R> listener, Metadata headers) {
      listener.onClose(Status.UNAVAILABLE.withDescription("simulated crash: the node is down"),
          new Metadata());
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void cancel(String message, Throwable cause) {}

    @Override
    public void halfClose() {}

    @Override
    public void sendMessage(Q message) {}
  }
}
