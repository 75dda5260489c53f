package io.factoryfl.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CaPinTest {
  private final CertificateAuthority ca =
      CertificateAuthority.create("acme", Clock.systemUTC(), Duration.ofDays(2), new SecureRandom());

  @Test
  void attachThenSplit_givesBackTheSecretTokenAndAPinThatMatchesOnlyItsCa() {
    CaPin.PinnedToken split = CaPin.split(CaPin.attach("plant-a:SECRET_-x", ca.certificate()));
    assertEquals("plant-a:SECRET_-x", split.token());
    assertTrue(CaPin.matches(split.pin(), ca.certificate()));
    CertificateAuthority other =
        CertificateAuthority.create("acme", Clock.systemUTC(), Duration.ofDays(2), new SecureRandom());
    assertFalse(CaPin.matches(split.pin(), other.certificate()), "same name, different CA");
  }

  @Test
  void tokenWithoutPin_splitsToTheTokenAndNoPin() {
    CaPin.PinnedToken split = CaPin.split("  plant-a:SECRET \\n".replace("\\n", "\n"));
    assertEquals("plant-a:SECRET", split.token());
    assertNull(split.pin());
  }

  @Test
  void malformedPin_isRefusedSayingWhatItMustLookLike() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CaPin.split("plant-a:SECRET@md5:abc"));
    assertEquals("the CA pin 'md5:abc' after '@' must be sha256: and 64 lower-case hex digits,"
        + " as 'factoryfl ca token' prints it", e.getMessage());
  }
}
