package io.factoryfl.participant.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.secagg.SecAggException;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.CertificateRequest;
import io.factoryfl.core.security.EnrolmentKeys;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.KeyContinuity;
import io.factoryfl.core.security.RevocationList;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SignedRevocationList;
import io.factoryfl.core.security.SigningIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site pins each peer's identity key on first sight and refuses a later key for that name
 * unless the pinned key endorsed it, even when the new certificate is genuinely from the
 * federation CA: that is what a coordinator holding the CA key would mint.
 */
class PeerPinsTest {
  @TempDir Path dir;
  private final SecureRandom random = new SecureRandom();
  private final Clock clock = Clock.systemUTC();
  private final CertificateAuthority ca = CertificateAuthority.create("federation", clock,
      Duration.ofDays(30), random);
  private final SignedRevocationList nothingRevoked =
      SignedRevocationList.sign(ca, RevocationList.empty());

  private PeerCheck check() throws Exception {
    PeerCheck check = new PeerCheck(ca.certificate(),
        PeerPins.open(dir.resolve("receipts.peer-pins.json"), clock), clock,
        SignedRevocationList.DEFAULT_MAX_AGE);
    check.relayed(nothingRevoked.encoded());
    return check;
  }

  private IssuedIdentity plantB() {
    return ca.issue("plant-b", Role.PARTICIPANT, Duration.ofDays(1), List.of());
  }

  private static byte[] der(X509Certificate certificate) throws Exception {
    return certificate.getEncoded();
  }

  /** What 'participant renew' and the CA service do together. */
  private IssuedIdentity renew(IssuedIdentity current) throws Exception {
    EnrolmentKeys keys = EnrolmentKeys.generate(current.identity().name(), random);
    X509Certificate renewed = ca.sign(CertificateRequest.parse(keys.csrDer(),
        keys.signingPublicKeyDer()), Role.PARTICIPANT, Duration.ofDays(1),
        KeyContinuity.extend(current.certificate(), keys.signingPublicKey(),
            KeyContinuity.endorse(SigningIdentity.of(current), keys.signingPublicKey())));
    return keys.accept(der(renewed), der(ca.certificate()), ca.certificate());
  }

  @Test
  void firstUse_pinsThePeersKeyInAFileThatOutlivesTheProcess() throws Exception {
    IssuedIdentity b = plantB();

    PeerCheck check = check();
    check.signingKey("plant-b", der(b.certificate()));
    check.keepPins();

    PeerPins reopened = PeerPins.open(dir.resolve("receipts.peer-pins.json"), clock);
    assertEquals(KeyContinuity.fingerprint(SigningIdentity.of(b).publicKey()),
        reopened.pinOf("plant-b").orElseThrow().key());
    assertTrue(Files.readString(reopened.file()).contains("\"plant-b\""));
  }

  @Test
  void aCertificateFromTheSameCaWithAnotherKey_isRefusedAfterARestart() throws Exception {
    PeerCheck first = check();
    first.signingKey("plant-b", der(plantB().certificate()));
    first.keepPins();
    IssuedIdentity minted = plantB();

    SecAggException e = assertThrows(SecAggException.class,
        () -> check().signingKey("plant-b", der(minted.certificate())));

    assertTrue(e.getMessage().startsWith("peer 'plant-b' came with identity key "
        + KeyContinuity.fingerprint(SigningIdentity.of(minted).publicKey()) + ", but this site"
        + " pinned "), e.getMessage());
    assertTrue(e.getMessage().contains("the new certificate carries no endorsement by the pinned"
        + " key"), e.getMessage());
    assertTrue(e.getMessage().endsWith("remove its entry from this site's peer pins file"
        + " (NAME.peer-pins.json beside the receipt log)"), e.getMessage());
    assertTrue(!e.getMessage().contains(dir.toString()), "no local path goes to the coordinator");
  }

  @Test
  void aRenewalEndorsedByThePinnedKey_isAcceptedAndMovesThePin() throws Exception {
    IssuedIdentity first = plantB();
    PeerCheck check = check();
    check.signingKey("plant-b", der(first.certificate()));
    IssuedIdentity renewed = renew(first);

    check.signingKey("plant-b", der(renewed.certificate()));
    check.keepPins();

    String renewedKey = KeyContinuity.fingerprint(SigningIdentity.of(renewed).publicKey());
    assertEquals(renewedKey, PeerPins.open(dir.resolve("receipts.peer-pins.json"), clock)
        .pinOf("plant-b").orElseThrow().key());
    SecAggException back = assertThrows(SecAggException.class,
        () -> check.signingKey("plant-b", der(first.certificate())),
        "the old key does not come back: nothing endorses it");
    assertTrue(back.getMessage().contains("pinned " + renewedKey), back.getMessage());
  }

  @Test
  void theKeysOfAStage_areWrittenOnceWhenTheStageEnds_notOncePerPeer() throws Exception {
    PeerCheck check = check();
    check.signingKey("plant-b", der(plantB().certificate()));
    check.signingKey("plant-c", der(ca.issue("plant-c", Role.PARTICIPANT, Duration.ofDays(1), List.of()).certificate()));
    assertFalse(Files.exists(dir.resolve("receipts.peer-pins.json")), "nothing written before the stage ends");

    check.keepPins();

    PeerPins reopened = PeerPins.open(dir.resolve("receipts.peer-pins.json"), clock);
    assertTrue(reopened.pinOf("plant-b").isPresent());
    assertTrue(reopened.pinOf("plant-c").isPresent());
  }

  @Test
  void pinsOfDifferentSites_doNotMix() throws Exception {
    assertEquals(dir.resolve("plant-a.peer-pins.json"),
        PeerPins.besideReceipts(dir.resolve("plant-a.jsonl")));
    assertEquals(dir.resolve("receipts.peer-pins.json"),
        PeerPins.besideReceipts(dir.resolve("receipts.jsonl")));
  }

  @Test
  void aDamagedPinsFile_isNotSilentlyReplaced() throws Exception {
    Files.writeString(dir.resolve("receipts.peer-pins.json"), "{ torn");

    java.io.IOException e = assertThrows(java.io.IOException.class,
        () -> PeerPins.open(dir.resolve("receipts.peer-pins.json"), clock));

    assertTrue(e.getMessage().contains("is damaged"), e.getMessage());
    assertEquals("{ torn", Files.readString(dir.resolve("receipts.peer-pins.json")));
  }
}
