package io.factoryfl.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RevocationListTest {

  private static final Instant T0 = Instant.parse("2025-06-01T12:00:00Z");

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private CertificateAuthority ca;

  @BeforeEach
  void setUp() throws Exception {
    ca = CertificateAuthority.create("acme", clock, Duration.ofDays(3650), new SecureRandom());
    ca.save(dir);
  }

  @Test
  void revoke_recordsTheNameWithTheSerialsOfAllItsLoggedCertificates() throws Exception {
    X509Certificate first = logged("plant-3");
    X509Certificate renewed = logged("plant-3");
    X509Certificate other = logged("plant-4");

    RevocationList.Revocation revocation =
        RevocationList.revoke(dir, "plant-3", "key leaked", clock);

    assertEquals(Set.of(hex(first), hex(renewed)), revocation.serials());
    RevocationList list = RevocationList.load(dir.resolve(RevocationList.FILE));
    assertTrue(list.find(first).isPresent());
    assertTrue(list.find(renewed).isPresent());
    assertFalse(list.find(other).isPresent());
    assertEquals("key leaked", list.find(first).get().reason());
    assertEquals(T0, list.find(first).get().revokedAt());
  }

  @Test
  void revokedName_coversCertificatesTheLogNeverSaw() throws Exception {
    RevocationList.revoke(dir, "plant-3", "", clock);
    X509Certificate unlogged =
        ca.issue("plant-3", Role.PARTICIPANT, Duration.ofDays(1), List.of()).certificate();

    RevocationList list = RevocationList.load(dir.resolve(RevocationList.FILE));

    assertTrue(list.find(unlogged).isPresent());
    assertTrue(list.isRevoked("plant-3"));
    assertFalse(list.isRevoked("plant-4"));
  }

  @Test
  void revokeAgain_addsLaterSerialsAndKeepsTheFirstTimeAndReason() throws Exception {
    X509Certificate first = logged("plant-3");
    RevocationList.revoke(dir, "plant-3", "first", clock);
    X509Certificate later = logged("plant-3");
    clock.advance(Duration.ofHours(1));

    RevocationList.Revocation again = RevocationList.revoke(dir, "plant-3", "second", clock);

    assertEquals(Set.of(hex(first), hex(later)), again.serials());
    assertEquals(T0, again.revokedAt());
    assertEquals("first", again.reason());
    assertEquals(1, RevocationList.load(dir.resolve(RevocationList.FILE)).all().size());
  }

  @Test
  void load_missingFileRevokesNothing_damagedFileNamesTheFile() throws Exception {
    Path file = dir.resolve(RevocationList.FILE);
    assertTrue(RevocationList.load(file).all().isEmpty());

    Files.writeString(file, "{\"version\": 1, \"revoked\": [{\"name\": \"a b\"}]");
    IOException e = assertThrows(IOException.class, () -> RevocationList.load(file));

    assertTrue(e.getMessage().startsWith(file + " is not valid JSON"), e.getMessage());
  }

  @Test
  void certificateLog_keepsEveryIssuedCertificateInOrder() throws Exception {
    X509Certificate a = logged("plant-3");
    X509Certificate b = logged("alice");

    List<CertificateLog.Entry> entries = CertificateLog.read(dir);

    assertEquals(List.of(hex(a), hex(b)), entries.stream().map(CertificateLog.Entry::serial)
        .toList());
    assertEquals("alice", entries.get(1).name());
    assertEquals(a.getNotAfter().toInstant(), entries.get(0).notAfter());
    assertEquals("enrol", entries.get(0).how());
  }

  private X509Certificate logged(String name) throws IOException {
    X509Certificate cert =
        ca.issue(name, Role.PARTICIPANT, Duration.ofDays(30), List.of()).certificate();
    CertificateLog.record(dir, cert, "enrol", clock);
    return cert;
  }

  private static String hex(X509Certificate cert) {
    return cert.getSerialNumber().toString(16);
  }
}
