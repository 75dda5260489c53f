package io.factoryfl.participant.session;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.secagg.SecAggException;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.CertificateLog;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.RevocationList;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SignedRevocationList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site checks relayed peer certificates against the CA's signed revocation list, which the
 * coordinator relays but cannot forge, and which must be recent.
 */
class PeerCheckTest {
  @TempDir Path dir;
  private final SecureRandom random = new SecureRandom();
  private final Clock clock = Clock.systemUTC();
  private final CertificateAuthority ca = CertificateAuthority.create("federation", clock,
      Duration.ofDays(30), random);
  private IssuedIdentity plantB;
  private PeerCheck check;

  @BeforeEach
  void setUp() throws Exception {
    ca.save(dir.resolve("ca"));
    plantB = ca.issue("plant-b", Role.PARTICIPANT, Duration.ofDays(1), List.of());
    CertificateLog.record(dir.resolve("ca"), plantB.certificate(), "issue", clock);
    check = new PeerCheck(ca.certificate(), PeerPins.open(dir.resolve("pins.json"), clock), clock,
        Duration.ofHours(24));
  }

  private SignedRevocationList revokedPlantB() throws Exception {
    RevocationList.revoke(dir.resolve("ca"), "plant-b", "stolen", clock);
    return SignedRevocationList.sign(ca,
        RevocationList.load(dir.resolve("ca").resolve(RevocationList.FILE)));
  }

  private SecAggException refusal() {
    return assertThrows(SecAggException.class,
        () -> check.signingKey("plant-b", plantB.certificate().getEncoded()));
  }

  @Test
  void aPeerTheCaRevoked_isRefused() throws Exception {
    check.relayed(revokedPlantB().encoded());

    assertTrue(refusal().getMessage().startsWith("certificate of peer 'plant-b' (serial "
        + CertificateLog.serialHex(plantB.certificate().getSerialNumber()) + ") is revoked"),
        refusal().getMessage());
    assertTrue(!Files.exists(dir.resolve("pins.json")), "a revoked peer is never pinned");
  }

  @Test
  void aPeerAcceptedInAnEarlierRound_isRefusedOnceTheCaRevokesIt() throws Exception {
    // Verified certificates are remembered across rounds; revocation is still checked every time.
    check.relayed(SignedRevocationList.sign(ca, RevocationList.empty()).encoded());
    check.signingKey("plant-b", plantB.certificate().getEncoded());

    check.relayed(revokedPlantB().encoded());

    assertTrue(refusal().getMessage().contains(") is revoked"), refusal().getMessage());
  }

  @Test
  void aRememberedCertificate_isStillRefusedUnderAnotherName() throws Exception {
    check.relayed(SignedRevocationList.sign(ca, RevocationList.empty()).encoded());
    check.signingKey("plant-b", plantB.certificate().getEncoded());

    SecAggException e = assertThrows(SecAggException.class,
        () -> check.signingKey("plant-c", plantB.certificate().getEncoded()));

    assertTrue(e.getMessage().contains("issued to 'plant-b', not 'plant-c'"), e.getMessage());
  }

  @Test
  void withoutAnyRevocationList_noPeerIsAccepted() {
    check.relayed(new byte[0]);

    assertTrue(refusal().getMessage().contains("this site holds none; the coordinator relayed no"
        + " revocation list"), refusal().getMessage());
  }

  @Test
  void aListForgedByTheCoordinator_isRefusedAndDoesNotReplaceTheGenuineOne() throws Exception {
    check.relayed(revokedPlantB().encoded());
    CertificateAuthority forger = CertificateAuthority.create("federation", clock,
        Duration.ofDays(30), random);

    check.relayed(SignedRevocationList.sign(forger, RevocationList.empty()).encoded());

    assertTrue(refusal().getMessage().contains("is revoked"), refusal().getMessage());
  }

  @Test
  void aForgedListAlone_isNoList() throws Exception {
    CertificateAuthority forger = CertificateAuthority.create("federation", clock,
        Duration.ofDays(30), random);

    check.relayed(SignedRevocationList.sign(forger, RevocationList.empty()).encoded());

    assertTrue(refusal().getMessage().contains("revocation list refused: its signature does not"
        + " verify"), refusal().getMessage());
  }

  @Test
  void aStaleList_isRefused_soTheCoordinatorCannotHideANewRevocationForLong() throws Exception {
    CertificateAuthority yesterday = CertificateAuthority.load(dir.resolve("ca"),
        Clock.fixed(Instant.now().minus(Duration.ofHours(25)), ZoneOffset.UTC), random);
    check.relayed(SignedRevocationList.sign(yesterday, RevocationList.empty()).encoded());

    assertTrue(refusal().getMessage().contains("min ago, more than the 1440 min allowed"),
        refusal().getMessage());
  }

  @Test
  void anOlderListRelayedLater_doesNotRollBackARevocation() throws Exception {
    CertificateAuthority earlier = CertificateAuthority.load(dir.resolve("ca"),
        Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC), random);
    byte[] old = SignedRevocationList.sign(earlier, RevocationList.empty()).encoded();
    check.relayed(revokedPlantB().encoded());

    check.relayed(old);

    assertTrue(refusal().getMessage().contains("is revoked"), refusal().getMessage());
  }

  @Test
  void aListDatedInTheFuture_isNotAdopted_soCorrectlyDatedListsStillApply() throws Exception {
    CertificateAuthority ahead = CertificateAuthority.load(dir.resolve("ca"),
        Clock.fixed(Instant.now().plus(Duration.ofHours(2)), ZoneOffset.UTC), random);
    check.relayed(SignedRevocationList.sign(ahead, RevocationList.empty()).encoded());

    check.relayed(revokedPlantB().encoded());

    assertTrue(refusal().getMessage().contains("is revoked"), refusal().getMessage());
  }

  @Test
  void afterARestart_anOlderListStillDoesNotRollBackARevocation() throws Exception {
    java.nio.file.Path kept = dir.resolve("site.revocation-list.json");
    check.keepingNewestIn(kept);
    check.relayed(revokedPlantB().encoded());
    CertificateAuthority earlier = CertificateAuthority.load(dir.resolve("ca"),
        Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC), random);
    byte[] old = SignedRevocationList.sign(earlier, RevocationList.empty()).encoded();

    check = new PeerCheck(ca.certificate(), PeerPins.open(dir.resolve("pins.json"), clock), clock,
        Duration.ofHours(24)).keepingNewestIn(kept);
    check.relayed(old);

    assertTrue(refusal().getMessage().contains("is revoked"), refusal().getMessage());
  }
}
