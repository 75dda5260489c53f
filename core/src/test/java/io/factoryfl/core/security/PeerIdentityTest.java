package io.factoryfl.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerIdentityTest {

  private static final CertificateAuthority CA = TestCa.create("ids");

  @Test
  void fromCertificate_readsCnAsNameAndOuAsRole() {
    var cert = CA.issue("auditor-1", Role.AUDITOR, Duration.ofDays(1), List.of()).certificate();
    assertEquals(new PeerIdentity("auditor-1", Role.AUDITOR), PeerIdentity.fromCertificate(cert));
  }

  @Test
  void fromCertificate_explainsMissingOu() {
    // the CA certificate has a CN and an O but no OU
    var e = assertThrows(IllegalArgumentException.class,
        () -> PeerIdentity.fromCertificate(CA.certificate()));
    assertTrue(e.getMessage().contains("must have exactly one OU (the role), found 0"),
        e.getMessage());
  }

  @Test
  void constructor_rejectsInvalidName() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new PeerIdentity("a/b", Role.ADMIN));
    assertTrue(e.getMessage().startsWith("name 'a/b' is not allowed"), e.getMessage());
  }
}
