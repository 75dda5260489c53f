package io.factoryfl.coordinator.task;

/** A result that does not match an open task of the caller (unknown, stale, or someone else's). */
public final class TaskBindingException extends RuntimeException {
  public TaskBindingException(String message) {
    super(message);
  }
}
