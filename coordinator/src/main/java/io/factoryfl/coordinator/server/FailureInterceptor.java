package io.factoryfl.coordinator.server;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last line behind {@link Calls}: catches a runtime exception thrown while starting a call or
 * from any listener callback (a message, half-close, cancel, completion, readiness) of any
 * service, logs it, and closes the call with INTERNAL and a description, so that no caller ever
 * sees grpc-java's bare {@code UNKNOWN: Application error processing RPC}. A {@link
 * StatusRuntimeException} that escapes keeps its status. Registered outermost, around the
 * authentication interceptor.
 */
final class FailureInterceptor implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(FailureInterceptor.class);

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    OnceClosed<Q, R> guarded = new OnceClosed<>(call);
    ServerCall.Listener<Q> listener;
    try {
      listener = next.startCall(guarded, headers);
    } catch (RuntimeException e) {
      guarded.closeFor(e);
      return new ServerCall.Listener<>() {};
    }
    return new Guarded<>(listener, guarded);
  }

  /** The call, closed at most once whoever closes it first. */
  private static final class OnceClosed<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private boolean closed;

    OnceClosed(ServerCall<Q, R> call) {
      super(call);
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    synchronized void closeFor(RuntimeException e) {
      String method = getMethodDescriptor().getFullMethodName();
      Status status;
      if (e instanceof StatusRuntimeException known) {
        status = known.getStatus();
      } else {
        LOG.error("unexpected failure in " + method, e);
        status = Calls.internalStatus(e);
      }
      if (closed) {
        return;
      }
      try {
        close(status, new Metadata());
      } catch (IllegalStateException alreadyClosed) {
        // the transport closed the call first; nothing left to tell the client
      }
    }
  }

  private static final class Guarded<Q> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final OnceClosed<Q, ?> call;

    Guarded(ServerCall.Listener<Q> delegate, OnceClosed<Q, ?> call) {
      super(delegate);
      this.call = call;
    }

    @Override
    public void onMessage(Q message) {
      try {
        super.onMessage(message);
      } catch (RuntimeException e) {
        call.closeFor(e);
      }
    }

    @Override
    public void onHalfClose() {
      try {
        super.onHalfClose();
      } catch (RuntimeException e) {
        call.closeFor(e);
      }
    }

    @Override
    public void onCancel() {
      try {
        super.onCancel();
      } catch (RuntimeException e) {
        LOG.error("unexpected failure cancelling a call", e);
      }
    }

    @Override
    public void onComplete() {
      try {
        super.onComplete();
      } catch (RuntimeException e) {
        LOG.error("unexpected failure completing a call", e);
      }
    }

    @Override
    public void onReady() {
      try {
        super.onReady();
      } catch (RuntimeException e) {
        call.closeFor(e);
      }
    }
  }
}
