package io.factoryfl.core.secagg;

/**
 * A secure-aggregation protocol violation or an unrecoverable round: an inconsistent or
 * contradictory request, a message of another session, a failed signature or authentication check,
 * or too few participants left to remove the masks. The message names what was inconsistent and,
 * where it helps, what to do; it never contains key material.
 *
 * <p>A {@link SecAggParticipant} that throws this has aborted the round: it has zeroed its secrets
 * and refuses every later call.
 */
public final class SecAggException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SecAggException(String message) {
    super(message);
  }

  public SecAggException(String message, Throwable cause) {
    super(message, cause);
  }
}
