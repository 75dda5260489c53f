package io.factoryfl.participant.policy;

/**
 * A site policy file that cannot be used. The message names the file, the field and the value,
 * and says what is allowed.
 */
public final class InvalidPolicyException extends IllegalArgumentException {
  public InvalidPolicyException(String message) {
    super(message);
  }
}
