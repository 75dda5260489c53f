package io.factoryfl.core.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {

  private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final CertificateAuthority ca = CertificateAuthority.create(
      "acme-federation", clock, Duration.ofDays(3650), new SecureRandom());

  @Test
  void create_makesSelfSignedCaCertificate() throws Exception {
    X509Certificate cert = ca.certificate();
    assertTrue(cert.getBasicConstraints() >= 0, "CA=true");
    boolean[] usage = cert.getKeyUsage();
    assertTrue(usage[5] && usage[6], "keyCertSign and cRLSign");
    assertEquals(cert.getSubjectX500Principal(), cert.getIssuerX500Principal());
    assertDoesNotThrow(() -> cert.verify(cert.getPublicKey()));
    assertEquals("SHA256withECDSA", cert.getSigAlgName());
    assertEquals(Date.from(NOW.plus(Duration.ofDays(3650))), cert.getNotAfter());
  }

  @Test
  void issue_certificateChainsToCaAndCarriesNameAndRole() throws Exception {
    IssuedIdentity site = ca.issue("plant-7", Role.PARTICIPANT, Duration.ofDays(365), List.of());

    assertEquals(new PeerIdentity("plant-7", Role.PARTICIPANT), site.identity());
    String subject = site.certificate().getSubjectX500Principal().getName();
    assertTrue(subject.contains("O=acme-federation"), subject);
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca.certificate(), null)));
    params.setRevocationEnabled(false);
    params.setDate(Date.from(NOW));
    var path =
        CertificateFactory.getInstance("X.509").generateCertPath(List.of(site.certificate()));
    assertDoesNotThrow(() -> CertPathValidator.getInstance("PKIX").validate(path, params));
  }

  @Test
  void issue_endEntityIsTlsClientAndServerButNotCa() throws Exception {
    X509Certificate cert =
        ca.issue("plant-7", Role.PARTICIPANT, Duration.ofDays(1), List.of()).certificate();
    assertEquals(-1, cert.getBasicConstraints());
    assertTrue(cert.getKeyUsage()[0], "digitalSignature");
    assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), cert.getExtendedKeyUsage());
    assertEquals(null, cert.getSubjectAlternativeNames());
  }

  @Test
  void issue_localhostAlsoCoversLoopbackIp() throws Exception {
    X509Certificate cert = ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1),
        List.of("fl.example.com", "localhost")).certificate();
    assertEquals(List.of(List.of(2, "fl.example.com"), List.of(2, "localhost"),
        List.of(7, "127.0.0.1")), List.copyOf(cert.getSubjectAlternativeNames()));
  }

  @Test
  void issue_givesEachCertificateADistinctSerial() {
    var a = ca.issue("a", Role.ADMIN, Duration.ofDays(1), List.of()).certificate();
    var b = ca.issue("b", Role.ADMIN, Duration.ofDays(1), List.of()).certificate();
    assertNotEquals(a.getSerialNumber(), b.getSerialNumber());
    assertTrue(a.getSerialNumber().signum() > 0);
  }

  @Test
  void issue_rejectsBadNamesWithTheValue() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> ca.issue("plant 7,OU=admin", Role.PARTICIPANT, Duration.ofDays(1), List.of()));
    assertEquals("name 'plant 7,OU=admin' is not allowed: use 1 to 64 characters from"
        + " A-Z, a-z, 0-9, '.', '_' and '-'", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ca.issue("", Role.PARTICIPANT, Duration.ofDays(1), List.of()));
    assertEquals("name must not be empty", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ca.issue("x".repeat(65), Role.PARTICIPANT, Duration.ofDays(1), List.of()));
    assertTrue(e.getMessage().contains("1 to 64 characters"), e.getMessage());
  }

  @Test
  void issue_rejectsBadDnsName() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> ca.issue("c", Role.COORDINATOR, Duration.ofDays(1), List.of("bad_host!")));
    assertTrue(e.getMessage().startsWith("DNS name 'bad_host!' for 'c'"), e.getMessage());
  }

  @Test
  void issue_refusesValidityBeyondTheCaExpiry() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> ca.issue("c", Role.COORDINATOR, Duration.ofDays(4000), List.of()));
    assertTrue(e.getMessage().contains("after the CA certificate expires at"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ca.issue("c", Role.COORDINATOR, Duration.ZERO, List.of()));
    assertEquals("validity for 'c' must be positive, got PT0S", e.getMessage());
  }

  @Test
  void sign_issuesForCsrKeyWithCaChosenRole() throws Exception {
    KeyPair siteKey = Keys.newKeyPair(new SecureRandom());
    PKCS10CertificationRequest csr = new JcaPKCS10CertificationRequestBuilder(
        new X500Name("CN=plant-9,OU=admin"), siteKey.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(siteKey.getPrivate()));

    X509Certificate cert = ca.sign(csr, Role.PARTICIPANT, Duration.ofDays(30));

    assertEquals(new PeerIdentity("plant-9", Role.PARTICIPANT), PeerIdentity.fromCertificate(cert));
    assertArrayEquals(siteKey.getPublic().getEncoded(), cert.getPublicKey().getEncoded());
    assertDoesNotThrow(() -> cert.verify(ca.certificate().getPublicKey()));
  }

  @Test
  void sign_rejectsCsrSignedWithAnotherKey() throws Exception {
    KeyPair siteKey = Keys.newKeyPair(new SecureRandom());
    KeyPair otherKey = Keys.newKeyPair(new SecureRandom());
    PKCS10CertificationRequest csr = new JcaPKCS10CertificationRequestBuilder(
        new X500Name("CN=plant-9"), siteKey.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(otherKey.getPrivate()));
    var e = assertThrows(IllegalArgumentException.class,
        () -> ca.sign(csr, Role.PARTICIPANT, Duration.ofDays(30)));
    assertTrue(e.getMessage().contains("invalid signature"), e.getMessage());
  }

  @Test
  void saveAndLoad_keepTheSameCa(@TempDir Path dir) throws Exception {
    ca.save(dir);
    CertificateAuthority loaded = CertificateAuthority.load(dir, clock, new SecureRandom());
    assertEquals(ca.certificate(), loaded.certificate());
    assertEquals("acme-federation", loaded.federationName());
    X509Certificate cert =
        loaded.issue("p", Role.AUDITOR, Duration.ofDays(1), List.of()).certificate();
    assertDoesNotThrow(() -> cert.verify(ca.certificate().getPublicKey()));
  }

  @Test
  void load_refusesKeyOfAnotherCa(@TempDir Path dir) throws Exception {
    ca.save(dir);
    CertificateAuthority other =
        CertificateAuthority.create("other", clock, Duration.ofDays(10), new SecureRandom());
    Pem.writePrivateKey(dir.resolve("ca-key.pem"), privateKeyOf(other, dir.resolve("o")));
    IOException e = assertThrows(IOException.class,
        () -> CertificateAuthority.load(dir, clock, new SecureRandom()));
    assertTrue(e.getMessage().contains("ca-key.pem does not belong to"), e.getMessage());
  }

  @Test
  void load_namesMissingFile(@TempDir Path dir) {
    IOException e = assertThrows(IOException.class,
        () -> CertificateAuthority.load(dir, clock, new SecureRandom()));
    assertEquals(dir.resolve("ca.pem") + " does not exist; expected PEM certificates"
        + " (-----BEGIN CERTIFICATE-----)", e.getMessage());
  }

  private static java.security.PrivateKey privateKeyOf(CertificateAuthority ca, Path dir)
      throws IOException {
    Files.createDirectories(dir);
    ca.save(dir);
    return Pem.readPrivateKey(dir.resolve("ca-key.pem"));
  }
}
