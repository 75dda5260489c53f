package io.factoryfl.coordinator.server;

import io.factoryfl.coordinator.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a service method body so that every failure reaches the client as a status with a
 * description. grpc-java turns an exception thrown from a handler into UNKNOWN ("Application
 * error processing RPC"); only {@code onError} carries a status. A {@link StatusRuntimeException}
 * keeps its code and description; any other runtime exception is a coordinator bug, logged with
 * its stack trace and answered INTERNAL with a short description that carries no exception text.
 */
final class Calls {
  private static final Logger LOG = LoggerFactory.getLogger(Calls.class);

  private Calls() {}

  /** A unary call: the body's value is the single response. */
  static <T> void unary(StreamObserver<T> response, Supplier<T> body) {
    T value;
    try {
      value = body.get();
    } catch (StatusRuntimeException e) {
      response.onError(e);
      return;
    } catch (StoreException e) {
      response.onError(unavailable(e));
      return;
    } catch (RuntimeException e) {
      response.onError(internal(e));
      return;
    }
    response.onNext(value);
    response.onCompleted();
  }

  /** A streaming call: the body writes to the observer itself. */
  static void streaming(StreamObserver<?> response, Runnable body) {
    try {
      body.run();
    } catch (StatusRuntimeException e) {
      response.onError(e);
    } catch (StoreException e) {
      response.onError(unavailable(e));
    } catch (RuntimeException e) {
      response.onError(internal(e));
    }
  }

  /**
   * The coordinator's store could not be used (disk full, read-only directory, database down, lease
   * lost): UNAVAILABLE with the store's own message, which names the resource and the fix and
   * never a secret, so the caller knows to retry once the operator has fixed it.
   */
  static StatusRuntimeException unavailable(StoreException e) {
    LOG.warn("the store failed while serving a call: {}", e.getMessage());
    return Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
  }

  /** Logs an unexpected exception and returns the INTERNAL status that describes it safely. */
  static StatusRuntimeException internal(RuntimeException e) {
    LOG.error("unexpected failure while serving a call", e);
    return internalStatus(e).asRuntimeException();
  }

  /** INTERNAL naming the kind of failure only: exception messages may hold paths or data. */
  static Status internalStatus(Throwable e) {
    return Status.INTERNAL.withDescription("the coordinator failed to process the call ("
        + e.getClass().getSimpleName() + "); the coordinator's log has the details");
  }
}
