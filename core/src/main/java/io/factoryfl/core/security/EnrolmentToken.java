package io.factoryfl.core.security;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What the CA stores about one enrolment token: everything except the token itself, of which it
 * keeps only the SHA-256.
 *
 * @param sha256 lower-case hex SHA-256 of the token's UTF-8 bytes
 * @param site the name the certificate will carry (its CN)
 * @param role the role the certificate will carry; never {@link Role#COORDINATOR}
 * @param created when {@code ca token} made it
 * @param expires after this instant it can no longer be redeemed
 * @param certificateValidity how long the certificate issued for it is valid
 * @param usedAt when it was redeemed, or null while unused
 * @param usedBySerial the serial (hex) of the certificate issued for it, or null while unused
 */
public record EnrolmentToken(String sha256, String site, Role role, Instant created,
    Instant expires, Duration certificateValidity, Instant usedAt, String usedBySerial) {

  public EnrolmentToken {
    Objects.requireNonNull(sha256, "sha256");
    PeerIdentity.checkName("site", site);
    Objects.requireNonNull(role, "role");
    if (role == Role.COORDINATOR) {
      throw new IllegalArgumentException("enrolment tokens are for participant, admin and"
          + " auditor identities; a coordinator certificate needs host names: use 'ca issue"
          + " --role coordinator --dns HOST'");
    }
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(expires, "expires");
    if (!expires.isAfter(created)) {
      throw new IllegalArgumentException("token for '" + site + "' expires at " + expires
          + ", not after its creation at " + created);
    }
    Objects.requireNonNull(certificateValidity, "certificateValidity");
    if (certificateValidity.isNegative() || certificateValidity.isZero()) {
      throw new IllegalArgumentException("certificate validity for '" + site
          + "' must be positive, got " + certificateValidity);
    }
    if ((usedAt == null) != (usedBySerial == null)) {
      throw new IllegalArgumentException("token for '" + site + "': usedAt and usedBySerial"
          + " must both be set or both be absent");
    }
  }

  /** Whether it has been redeemed. */
  public boolean used() {
    return usedAt != null;
  }

  /** This record marked as redeemed at {@code when} for the certificate {@code serial}. */
  EnrolmentToken redeemed(Instant when, String serial) {
    return new EnrolmentToken(sha256, site, role, created, expires, certificateValidity, when,
        serial);
  }
}
