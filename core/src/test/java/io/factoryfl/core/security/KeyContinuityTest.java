package io.factoryfl.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyContinuityTest {
  private final SecureRandom random = new SecureRandom();
  private final CertificateAuthority ca = CertificateAuthority.create("federation",
      Clock.systemUTC(), Duration.ofDays(30), random);

  /** What a renewal does: fresh keys, endorsed by the current identity, signed by the CA. */
  private IssuedIdentity renew(IssuedIdentity current) {
    EnrolmentKeys keys = EnrolmentKeys.generate(current.identity().name(), random);
    byte[] endorsement = KeyContinuity.endorse(SigningIdentity.of(current),
        keys.signingPublicKey());
    X509Certificate renewed = ca.sign(CertificateRequest.parse(keys.csrDer(),
        keys.signingPublicKeyDer()), Role.PARTICIPANT, Duration.ofDays(1),
        KeyContinuity.extend(current.certificate(), keys.signingPublicKey(), endorsement));
    return keys.accept(certificateDer(renewed), certificateDer(ca.certificate()),
        ca.certificate());
  }

  private static byte[] certificateDer(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new AssertionError(e);
    }
  }

  private static String fingerprint(IssuedIdentity identity) {
    return KeyContinuity.fingerprint(SigningIdentity.of(identity).publicKey());
  }

  private static boolean descends(IssuedIdentity from, IssuedIdentity to) {
    return KeyContinuity.descends(to.identity().name(), fingerprint(from),
        KeyContinuity.of(to.certificate()), SigningIdentity.of(to).publicKey());
  }

  @Test
  void twoRenewalsLater_thePinnedFirstKeyStillLeadsToTheCurrentOne() {
    IssuedIdentity first = ca.issue("plant-b", Role.PARTICIPANT, Duration.ofDays(1), List.of());
    IssuedIdentity second = renew(first);
    IssuedIdentity third = renew(second);

    assertTrue(descends(first, third));
    assertTrue(descends(second, third));
    assertEquals(2, KeyContinuity.of(third.certificate()).size());
  }

  @Test
  void aCertificateTheCaMintsWithAnotherKey_doesNotDescendFromThePinnedKey() {
    IssuedIdentity genuine = ca.issue("plant-b", Role.PARTICIPANT, Duration.ofDays(1), List.of());
    IssuedIdentity renewed = renew(genuine);
    IssuedIdentity minted = ca.issue("plant-b", Role.PARTICIPANT, Duration.ofDays(1), List.of());

    assertFalse(descends(genuine, minted), "no chain at all");
    // copying the genuine chain into a certificate for another key does not help either
    X509Certificate copied = ca.sign(CertificateRequest.parse(
        EnrolmentKeys.generate("plant-b", random).csrDer(),
        SigningIdentity.of(minted).publicKey().getEncoded()), Role.PARTICIPANT, Duration.ofDays(1),
        KeyContinuity.of(renewed.certificate()));
    assertFalse(KeyContinuity.descends("plant-b", fingerprint(genuine),
        KeyContinuity.of(copied), SigningIdentity.of(minted).publicKey()));
  }

  @Test
  void anEndorsementByAnotherKey_isRefusedAtRenewal() {
    IssuedIdentity current = ca.issue("plant-b", Role.PARTICIPANT, Duration.ofDays(1), List.of());
    IssuedIdentity other = ca.issue("plant-c", Role.PARTICIPANT, Duration.ofDays(1), List.of());
    EnrolmentKeys keys = EnrolmentKeys.generate("plant-b", random);
    byte[] wrong = KeyContinuity.endorse(SigningIdentity.of(other), keys.signingPublicKey());

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KeyContinuity.extend(current.certificate(), keys.signingPublicKey(), wrong));

    assertTrue(e.getMessage().startsWith("the endorsement of the new identity signing key is not"
        + " a signature by the key in 'plant-b''s current certificate"), e.getMessage());
  }
}
