package io.factoryfl.coordinator.job;

/** The job cannot go on; the message says why and is shown to the ML engineer. */
final class JobFailedException extends Exception {
  JobFailedException(String message) {
    super(message);
  }
}
