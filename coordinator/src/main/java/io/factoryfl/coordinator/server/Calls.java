package io.factoryfl.coordinator.server;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/**
 * Runs a service method body so that a {@link StatusRuntimeException} it throws reaches the
 * client with its code and description. grpc-java turns an exception thrown from a handler into
 * UNKNOWN; only {@code onError} carries the status.
 */
final class Calls {
  private Calls() {}

  /** A unary call: the body's value is the single response. */
  static <T> void unary(StreamObserver<T> response, Supplier<T> body) {
    T value;
    try {
      value = body.get();
    } catch (StatusRuntimeException e) {
      response.onError(e);
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
    }
  }
}
