package io.factoryfl.coordinator.report;

/**
 * A value a participant reported that the coordinator will not use. The message says which
 * value, what it was and what is allowed; it goes to the round log and the job's events, and the
 * site's contribution to that round is dropped. Never fails a job.
 */
public final class InvalidReportException extends Exception {
  public InvalidReportException(String message) {
    super(message);
  }
}
