package io.factoryfl.core.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningIdentityTest {

  private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
  private static final byte[] MESSAGE =
      "round 3 key advertisement from plant-7".getBytes(StandardCharsets.UTF_8);

  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final CertificateAuthority ca = CertificateAuthority.create(
      "acme-federation", clock, Duration.ofDays(3650), new SecureRandom());

  @TempDir Path dir;

  private IssuedIdentity site(String name) {
    return ca.issue(name, Role.PARTICIPANT, Duration.ofDays(365), List.of());
  }

  private PublicKey verified(X509Certificate certificate, String expectedName, Clock at)
      throws Exception {
    return SigningIdentity.verifiedSigningKey(
        certificate.getEncoded(), ca.certificate(), expectedName, at);
  }

  @Test
  void binding_issueWriteLoadVerify_roundTrips() throws Exception {
    site("plant-7").writeTo(dir, "plant-7");
    Path signingKeyFile = dir.resolve("plant-7-signing-key.pem");
    assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(signingKeyFile)));

    SigningIdentity loaded = SigningIdentity.load(dir.resolve("plant-7.pem"), signingKeyFile);
    PublicKey key = SigningIdentity.verifiedSigningKey(loaded.certificateDer(),
        Pem.readCertificate(dir.resolve("ca.pem")), "plant-7", clock);

    assertEquals("plant-7", loaded.name());
    assertArrayEquals(loaded.publicKey().getEncoded(), key.getEncoded());
    byte[] signature = SigningIdentity.sign(loaded.privateKey(), MESSAGE);
    assertTrue(SigningIdentity.verify(key, MESSAGE, signature));
  }

  @Test
  void issue_bindsSigningKeyAsNonCriticalSubjectPublicKeyInfoExtension() {
    IssuedIdentity site = site("plant-7");
    X509Certificate cert = site.certificate();

    assertTrue(cert.getNonCriticalExtensionOIDs().contains(SigningIdentity.EXTENSION_OID));
    byte[] spki =
        ASN1OctetString.getInstance(cert.getExtensionValue(SigningIdentity.EXTENSION_OID))
            .getOctets();
    assertArrayEquals(SigningIdentity.of(site).publicKey().getEncoded(), spki);
    assertEquals("EC", cert.getPublicKey().getAlgorithm(), "the TLS key stays ECDSA P-256");
  }

  @Test
  void verify_failsForModifiedMessageOrDamagedSignature() {
    SigningIdentity identity = SigningIdentity.of(site("plant-7"));
    byte[] signature = SigningIdentity.sign(identity.privateKey(), MESSAGE);
    byte[] modified = MESSAGE.clone();
    modified[0] ^= 1;

    assertFalse(SigningIdentity.verify(identity.publicKey(), modified, signature));
    assertFalse(SigningIdentity.verify(identity.publicKey(), MESSAGE, new byte[10]));
    assertFalse(SigningIdentity.verify(
        SigningIdentity.of(site("plant-8")).publicKey(), MESSAGE, signature));
  }

  @Test
  void verifiedSigningKey_rejectsCertificateOfAnotherCa() throws Exception {
    // same federation name, so only the signature tells them apart
    CertificateAuthority impostor = CertificateAuthority.create(
        "acme-federation", clock, Duration.ofDays(3650), new SecureRandom());
    X509Certificate forged =
        impostor.issue("plant-7", Role.PARTICIPANT, Duration.ofDays(1), List.of()).certificate();

    var e = assertThrows(IllegalArgumentException.class,
        () -> verified(forged, "plant-7", clock));
    assertEquals("certificate presented for 'plant-7' rejected: it is not signed by the"
        + " federation CA 'CN=acme-federation CA, O=acme-federation' (its issuer has that name,"
        + " but its signature does not verify with the CA's key)", e.getMessage());

    X509Certificate foreign = CertificateAuthority.create("globex", clock, Duration.ofDays(10),
        new SecureRandom()).issue("plant-7", Role.PARTICIPANT, Duration.ofDays(1), List.of())
        .certificate();
    e = assertThrows(IllegalArgumentException.class, () -> verified(foreign, "plant-7", clock));
    assertEquals("certificate presented for 'plant-7' rejected: it is not signed by the"
        + " federation CA 'CN=acme-federation CA, O=acme-federation' (its issuer is"
        + " 'CN=globex CA, O=globex')", e.getMessage());
  }

  @Test
  void verifiedSigningKey_rejectsExpiredCertificate() throws Exception {
    X509Certificate cert =
        ca.issue("plant-7", Role.PARTICIPANT, Duration.ofDays(1), List.of()).certificate();
    Clock later = Clock.fixed(NOW.plus(Duration.ofDays(2)), ZoneOffset.UTC);

    var e = assertThrows(IllegalArgumentException.class, () -> verified(cert, "plant-7", later));
    assertEquals("certificate presented for 'plant-7' rejected: it expired at "
        + NOW.plus(Duration.ofDays(1)) + " (now " + NOW.plus(Duration.ofDays(2)) + ")",
        e.getMessage());
  }

  @Test
  void verifiedSigningKey_rejectsCertificateIssuedToAnotherName() throws Exception {
    X509Certificate cert = site("plant-7").certificate();

    var e = assertThrows(IllegalArgumentException.class,
        () -> verified(cert, "plant-8", clock));
    assertEquals("certificate presented for 'plant-8' rejected: it was issued to 'plant-7',"
        + " not 'plant-8'", e.getMessage());
  }

  @Test
  void verifiedSigningKey_rejectsCertificateWithoutSigningKey() throws Exception {
    KeyPair tlsKey = Keys.newKeyPair(new SecureRandom());
    X509Certificate cert =
        ca.sign(csr("plant-7", tlsKey), Role.PARTICIPANT, Duration.ofDays(30));

    var e = assertThrows(IllegalArgumentException.class,
        () -> verified(cert, "plant-7", clock));
    assertEquals("certificate presented for 'plant-7' rejected: it has no identity signing key"
        + " (extension " + SigningIdentity.EXTENSION_OID + ")", e.getMessage());
  }

  @Test
  void verifiedSigningKey_rejectsNonParticipantAndGarbage() throws Exception {
    X509Certificate admin =
        ca.issue("ops", Role.ADMIN, Duration.ofDays(1), List.of()).certificate();
    var e = assertThrows(IllegalArgumentException.class, () -> verified(admin, "ops", clock));
    assertEquals("certificate presented for 'ops' rejected: it is a admin certificate, not a"
        + " participant certificate", e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> SigningIdentity.verifiedSigningKey(
        new byte[] {1, 2, 3}, ca.certificate(), "plant-7", clock));
    assertTrue(e.getMessage().startsWith(
        "certificate presented for 'plant-7' rejected: it is not a DER X.509 certificate"),
        e.getMessage());
  }

  @Test
  void signWithSiteKey_bindsTheGivenSigningKey() throws Exception {
    KeyPair tlsKey = Keys.newKeyPair(new SecureRandom());
    KeyPair signingKey = Keys.newSigningKeyPair(new SecureRandom());

    X509Certificate cert = ca.sign(csr("plant-9", tlsKey), signingKey.getPublic(),
        Role.PARTICIPANT, Duration.ofDays(30));

    assertArrayEquals(tlsKey.getPublic().getEncoded(), cert.getPublicKey().getEncoded());
    PublicKey bound = verified(cert, "plant-9", clock);
    assertArrayEquals(signingKey.getPublic().getEncoded(), bound.getEncoded());
    assertTrue(SigningIdentity.verify(bound, MESSAGE,
        SigningIdentity.sign(signingKey.getPrivate(), MESSAGE)));
  }

  @Test
  void signWithSiteKey_refusesNonEd25519SigningKey() throws Exception {
    KeyPair tlsKey = Keys.newKeyPair(new SecureRandom());

    var e = assertThrows(IllegalArgumentException.class, () -> ca.sign(csr("plant-9", tlsKey),
        tlsKey.getPublic(), Role.PARTICIPANT, Duration.ofDays(30)));
    assertEquals("identity signing key for certificate request 'CN=plant-9' is a EC key;"
        + " expected Ed25519", e.getMessage());
  }

  @Test
  void load_refusesSigningKeyOfAnotherIdentityNamingBothFiles() throws Exception {
    site("plant-7").writeTo(dir, "plant-7");
    site("plant-8").writeTo(dir, "plant-8");
    Path cert = dir.resolve("plant-7.pem");
    Path wrongKey = dir.resolve("plant-8-signing-key.pem");

    IOException e = assertThrows(IOException.class, () -> SigningIdentity.load(cert, wrongKey));
    assertEquals("signing key " + wrongKey + " does not fit certificate " + cert + ": the"
        + " signing key is not the private half of the identity signing key in the certificate"
        + " for 'plant-7'", e.getMessage());
  }

  @Test
  void load_refusesTlsKeyInPlaceOfSigningKey() throws Exception {
    site("plant-7").writeTo(dir, "plant-7");

    IOException e = assertThrows(IOException.class, () -> SigningIdentity.load(
        dir.resolve("plant-7.pem"), dir.resolve("plant-7-key.pem")));
    assertTrue(e.getMessage().endsWith("the signing key for 'plant-7' is a EC key; expected"
        + " Ed25519"), e.getMessage());
  }

  @Test
  void identityWithoutSigningKey_writesNoSigningKeyFileAndCannotSign() throws Exception {
    IssuedIdentity site = site("plant-7");
    IssuedIdentity tlsOnly =
        new IssuedIdentity(site.certificate(), site.privateKey(), site.caCertificate());

    tlsOnly.writeTo(dir, "plant-7");

    assertFalse(Files.exists(dir.resolve("plant-7-signing-key.pem")));
    var e = assertThrows(IllegalArgumentException.class, () -> SigningIdentity.of(tlsOnly));
    assertTrue(e.getMessage().contains("has no identity signing key"), e.getMessage());
  }

  @Test
  void signAndToString_neverExposeOrAcceptWrongKeys() {
    IssuedIdentity site = site("plant-7");
    SigningIdentity identity = SigningIdentity.of(site);

    var e = assertThrows(IllegalArgumentException.class,
        () -> SigningIdentity.sign(site.privateKey(), MESSAGE));
    assertEquals("cannot sign with a EC key; expected an Ed25519 identity signing key",
        e.getMessage());
    assertEquals("SigningIdentity[name=plant-7, extension=" + SigningIdentity.EXTENSION_OID
        + "]", identity.toString());
  }

  private static PKCS10CertificationRequest csr(String name, KeyPair tlsKey) throws Exception {
    return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + name),
        tlsKey.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(tlsKey.getPrivate()));
  }
}
