package io.factoryfl.coordinator.registry;

/** A call quoted a session id the coordinator does not know, or one that belongs to someone else. */
public final class UnknownSessionException extends RuntimeException {
  public UnknownSessionException(String message) {
    super(message);
  }
}
