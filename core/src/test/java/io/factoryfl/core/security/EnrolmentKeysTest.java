package io.factoryfl.core.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EnrolmentKeysTest {

  private static final CertificateAuthority CA = TestCa.create("acme");
  private final SecureRandom random = new SecureRandom();

  @Test
  void requestSignedByTheCa_becomesAnIdentityForTlsAndSigning() throws Exception {
    EnrolmentKeys keys = EnrolmentKeys.generate("plant-berlin", random);
    CertificateRequest request =
        CertificateRequest.parse(keys.csrDer(), keys.signingPublicKeyDer());
    X509Certificate cert = CA.sign(request, Role.PARTICIPANT, Duration.ofDays(7));

    IssuedIdentity identity = keys.accept(cert.getEncoded(), CA.certificate().getEncoded(),
        CA.certificate());

    assertEquals("plant-berlin", request.name());
    assertEquals(new PeerIdentity("plant-berlin", Role.PARTICIPANT), identity.identity());
    assertEquals(identity.identity(), TlsMaterial.of(identity).self());
    SigningIdentity signing = SigningIdentity.of(identity);
    byte[] message = "advertise".getBytes(StandardCharsets.UTF_8);
    assertTrue(SigningIdentity.verify(SigningIdentity.verifiedSigningKey(cert.getEncoded(),
        CA.certificate(), "plant-berlin", Clock.systemUTC()), message,
        SigningIdentity.sign(signing.privateKey(), message)));
  }

  @Test
  void accept_refusesACertificateForAnotherKey() throws Exception {
    EnrolmentKeys ours = EnrolmentKeys.generate("plant-berlin", random);
    EnrolmentKeys theirs = EnrolmentKeys.generate("plant-berlin", random);
    X509Certificate cert = CA.sign(
        CertificateRequest.parse(theirs.csrDer(), theirs.signingPublicKeyDer()),
        Role.PARTICIPANT, Duration.ofDays(7));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ours.accept(cert.getEncoded(), CA.certificate().getEncoded(), CA.certificate()));

    assertEquals("the certificate returned for 'plant-berlin' is for another TLS key than the"
        + " one in our request", e.getMessage());
  }

  @Test
  void accept_refusesAnAnswerFromAnotherCa() throws Exception {
    CertificateAuthority impostor = TestCa.create("impostor");
    EnrolmentKeys keys = EnrolmentKeys.generate("plant-berlin", random);
    X509Certificate cert = impostor.sign(
        CertificateRequest.parse(keys.csrDer(), keys.signingPublicKeyDer()),
        Role.PARTICIPANT, Duration.ofDays(7));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> keys.accept(cert.getEncoded(), impostor.certificate().getEncoded(),
            CA.certificate()));

    assertTrue(e.getMessage().startsWith("the coordinator answered with CA 'CN=impostor CA,"
        + " O=impostor', which is not the federation CA you trust"), e.getMessage());
  }

  @Test
  void parse_refusesGarbageAndKeysOfTheWrongKind() {
    EnrolmentKeys keys = EnrolmentKeys.generate("plant-berlin", random);

    IllegalArgumentException garbage = assertThrows(IllegalArgumentException.class,
        () -> CertificateRequest.parse(new byte[] {1, 2, 3}, keys.signingPublicKeyDer()));
    IllegalArgumentException wrongKey = assertThrows(IllegalArgumentException.class,
        () -> CertificateRequest.parse(keys.csrDer(), Keys.newKeyPair(random).getPublic()
            .getEncoded()));

    assertTrue(garbage.getMessage().startsWith("the certificate request is not DER PKCS#10"),
        garbage.getMessage());
    assertTrue(wrongKey.getMessage().startsWith("the identity signing key for 'plant-berlin' is"
        + " not a DER Ed25519 public key"), wrongKey.getMessage());
  }

  @Test
  void csrDer_isACopyTheCallerCannotAlter() {
    EnrolmentKeys keys = EnrolmentKeys.generate("plant-berlin", random);
    byte[] before = keys.csrDer();
    keys.csrDer()[0] ^= 1;
    assertArrayEquals(before, keys.csrDer());
  }
}
