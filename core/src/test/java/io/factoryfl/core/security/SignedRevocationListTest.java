package io.factoryfl.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignedRevocationListTest {
  private static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private final CertificateAuthority ca = CertificateAuthority.create("federation", clock,
      Duration.ofDays(30), new SecureRandom());

  private SignedRevocationList revokedPlantB() throws Exception {
    ca.save(dir);
    IssuedIdentity plantB = ca.issue("plant-b", Role.PARTICIPANT, Duration.ofDays(1), List.of());
    CertificateLog.record(dir, plantB.certificate(), "issue", clock);
    RevocationList.revoke(dir, "plant-b", "laptop stolen", clock);
    return SignedRevocationList.sign(ca, RevocationList.load(dir.resolve(RevocationList.FILE)));
  }

  @Test
  void aListSignedByTheCa_verifiesAndRevokesByNameAndSerial() throws Exception {
    SignedRevocationList signed = revokedPlantB();

    SignedRevocationList read = SignedRevocationList.verify(signed.encoded(), ca.certificate());

    assertEquals(T0, read.issuedAt());
    assertTrue(read.list().isRevoked("plant-b"));
    assertEquals(signed.list().all(), read.list().all());
    read.requireFresh(T0.plus(Duration.ofHours(23)), SignedRevocationList.DEFAULT_MAX_AGE);
  }

  @Test
  void aListWithARevocationRemoved_isRefusedAsAltered() throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode envelope = (ObjectNode) json.readTree(revokedPlantB().encoded());
    ObjectNode body = (ObjectNode) json.readTree(
        Base64.getDecoder().decode(envelope.get("list").asText()));
    body.putArray("revoked");
    envelope.put("list", Base64.getEncoder().encodeToString(json.writeValueAsBytes(body)));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SignedRevocationList.verify(json.writeValueAsBytes(envelope), ca.certificate()));

    assertTrue(e.getMessage().startsWith("revocation list refused: its signature does not verify"
        + " with the key of the federation CA"), e.getMessage());
  }

  @Test
  void aListSignedByAnotherCaOfTheSameName_isRefused() {
    CertificateAuthority impostor = CertificateAuthority.create("federation", clock,
        Duration.ofDays(30), new SecureRandom());
    byte[] forged = SignedRevocationList.sign(impostor, RevocationList.empty()).encoded();

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SignedRevocationList.verify(forged, ca.certificate()));

    assertTrue(e.getMessage().contains("its signature does not verify"), e.getMessage());
  }

  @Test
  void aListOlderThanTheMaximumAge_isRefusedAsStale() {
    SignedRevocationList signed = SignedRevocationList.sign(ca, RevocationList.empty());

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> signed.requireFresh(T0.plus(Duration.ofHours(25)), Duration.ofHours(24)));

    assertEquals("the revocation list was issued at 2026-06-01T12:00:00Z, 1500 min ago, more"
        + " than the 1440 min allowed; the coordinator must relay a current one from the CA"
        + " service", e.getMessage());
  }

  @Test
  void aListFromTheFuture_isRefused() {
    SignedRevocationList signed = SignedRevocationList.sign(ca, RevocationList.empty());

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> signed.requireFresh(T0.minus(Duration.ofHours(1)), Duration.ofHours(24)));

    assertTrue(e.getMessage().startsWith("the revocation list claims to be issued at"),
        e.getMessage());
  }

  @Test
  void garbageAndOversizedInput_areRefusedWithoutParsing() {
    assertThrows(IllegalArgumentException.class, () -> SignedRevocationList.verify(
        "not json".getBytes(StandardCharsets.UTF_8), ca.certificate()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SignedRevocationList.verify(new byte[SignedRevocationList.MAX_BYTES + 1],
            ca.certificate()));
    assertTrue(e.getMessage().contains("more than the " + SignedRevocationList.MAX_BYTES),
        e.getMessage());
  }

  @Test
  void writtenToAFile_readsBackOnlyWithItsCa() throws Exception {
    Path file = dir.resolve("revocations.json");
    revokedPlantB().writeTo(file);

    assertTrue(SignedRevocationList.read(file, ca.certificate()).list().isRevoked("plant-b"));
    CertificateAuthority other = CertificateAuthority.create("other", clock, Duration.ofDays(30),
        new SecureRandom());
    assertThrows(java.io.IOException.class, () -> SignedRevocationList.read(file,
        other.certificate()));
  }
}
