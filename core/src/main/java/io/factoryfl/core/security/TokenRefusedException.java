package io.factoryfl.core.security;

import java.util.Objects;
import java.util.Optional;

/**
 * An enrolment token could not be redeemed. The message says why and what to do, and never
 * contains the token's secret part.
 */
public final class TokenRefusedException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Why a token was refused. */
  public enum Reason {
    /** Not of the form {@code SITE:SECRET} printed by {@code ca token}. */
    MALFORMED,
    /** No such token in this CA's store: mistyped, or from another CA. */
    UNKNOWN,
    /** Already redeemed once; tokens are one-time. */
    USED,
    /** Past its expiry. */
    EXPIRED
  }

  private final Reason reason;
  private final transient Role role;

  TokenRefusedException(Reason reason, String message) {
    this(reason, message, null);
  }

  TokenRefusedException(Reason reason, String message, Role role) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.role = role;
  }

  public Reason reason() {
    return reason;
  }

  /** The role of the refused token when the CA knows it (a used or expired token). */
  public Optional<Role> role() {
    return Optional.ofNullable(role);
  }
}
