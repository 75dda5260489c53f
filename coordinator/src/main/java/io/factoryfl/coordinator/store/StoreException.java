package io.factoryfl.coordinator.store;

/**
 * The coordinator's store could not be read or written: the message names the store (its
 * directory or database), what failed and what the operator can do, and never carries secrets
 * such as a database password.
 */
public class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreException(String message) {
    super(message);
  }
}
