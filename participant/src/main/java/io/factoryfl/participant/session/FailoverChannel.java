package io.factoryfl.participant.session;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One channel over the addresses of an active coordinator and its standbys (the site config's
 * {@code "coordinator": "a.example:7443,b.example:7443"}). Calls go to the current address; a call
 * that ends UNAVAILABLE (nothing answers there: the coordinator died, or it is a standby that does
 * not serve until it takes over) moves the channel on to the next address, so the agent's usual
 * reconnect with backoff reaches whichever coordinator serves. Each address is its own TLS channel
 * that checks the server certificate against that address's host name.
 */
final class FailoverChannel extends ManagedChannel {
  private final List<String> targets;
  private final List<ManagedChannel> channels;
  private final AtomicInteger current = new AtomicInteger();

  FailoverChannel(List<String> targets, List<ManagedChannel> channels) {
    if (targets.isEmpty() || targets.size() != channels.size()) {
      throw new IllegalArgumentException("one channel per target, at least one: " + targets);
    }
    this.targets = List.copyOf(targets);
    this.channels = List.copyOf(channels);
  }

  /** The address calls go to now. */
  String currentTarget() {
    return targets.get(current.get());
  }

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    int index = current.get();
    return new SimpleForwardingClientCall<>(channels.get(index).newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        super.start(new SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onClose(Status status, Metadata trailers) {
            if (status.getCode() == Status.Code.UNAVAILABLE) {
              current.compareAndSet(index, (index + 1) % channels.size());
            }
            super.onClose(status, trailers);
          }
        }, headers);
      }
    };
  }

  @Override
  public String authority() {
    return channels.get(current.get()).authority();
  }

  @Override
  public ManagedChannel shutdown() {
    channels.forEach(ManagedChannel::shutdown);
    return this;
  }

  @Override
  public ManagedChannel shutdownNow() {
    channels.forEach(ManagedChannel::shutdownNow);
    return this;
  }

  @Override
  public boolean isShutdown() {
    return channels.stream().allMatch(ManagedChannel::isShutdown);
  }

  @Override
  public boolean isTerminated() {
    return channels.stream().allMatch(ManagedChannel::isTerminated);
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    for (ManagedChannel channel : channels) {
      if (!channel.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        return false;
      }
    }
    return true;
  }
}
