package io.factoryfl.participant.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.factoryfl.core.ledger.MerkleTree;
import io.factoryfl.core.ledger.Receipt;
import io.factoryfl.core.ledger.ReceiptLog;
import io.factoryfl.core.params.ContentHash;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The site checks every receipt as it arrives and never loses a valid one to a full disk. */
class ReceiptKeeperTest {

  static final CertificateAuthority CA = CertificateAuthority.create("federation",
      Clock.systemUTC(), Duration.ofDays(2), new SecureRandom());
  static final IssuedIdentity COORDINATOR_ISSUED = CA.issue("coordinator", Role.COORDINATOR,
      Duration.ofDays(1), List.of("localhost"));
  static final SigningIdentity COORDINATOR = SigningIdentity.of(COORDINATOR_ISSUED);
  static final List<String> SITES = List.of("plant-1", "plant-2", "plant-3");

  @TempDir Path tmp;
  private final Logger logger = (Logger) LoggerFactory.getLogger(ReceiptKeeper.class);
  private final ListAppender<ILoggingEvent> capture = new ListAppender<>();

  @BeforeEach
  void captureLog() {
    capture.start();
    logger.addAppender(capture);
    logger.setLevel(Level.INFO);
  }

  @AfterEach
  void releaseLog() {
    logger.detachAppender(capture);
    logger.setLevel(null);
  }

  static String hash(String text) {
    return ContentHash.of(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The receipt of {@code site} for round {@code round} of a job, signed by {@code signer}. */
  static Receipt receipt(String jobId, int round, String site, SigningIdentity signer) {
    List<String> hashes = new ArrayList<>();
    for (String s : SITES) {
      hashes.add(hash(jobId + round + s));
    }
    int leaf = SITES.indexOf(site);
    return Receipt.sign(jobId, round, site, hashes.get(leaf), leaf, hashes.size(),
        MerkleTree.proof(hashes, leaf), MerkleTree.root(hashes), 7L + round, signer);
  }

  private ReceiptKeeper keeper(Path file, Optional<PublicKey> key) {
    return new ReceiptKeeper(ReceiptLog.open(file), "plant-2", () -> key,
        () -> "no TLS session with the coordinator has been seen yet");
  }

  private ReceiptKeeper keeper(Path file) {
    return keeper(file, Optional.of(COORDINATOR.publicKey()));
  }

  private String log() {
    return String.join("\n", capture.list.stream()
        .map(event -> event.getLevel() + " " + event.getFormattedMessage()).toList());
  }

  @Test
  void keep_writesAReceiptSignedByTheCoordinatorWithAValidProof() throws Exception {
    Path file = tmp.resolve("receipts/plant-2.jsonl");
    Receipt r = receipt("job-1", 1, "plant-2", COORDINATOR);
    keeper(file).keep(List.of(r.toJson()));
    assertEquals(List.of(r), ReceiptLog.open(file).read());
  }

  @Test
  void keep_refusesAndLogsAReceiptSignedByAnotherCoordinatorKey() throws Exception {
    SigningIdentity mallory = SigningIdentity.of(CA.issue("coordinator", Role.COORDINATOR,
        Duration.ofDays(1), List.of("localhost")));
    Path file = tmp.resolve("plant-2.jsonl");
    Receipt good = receipt("job-1", 2, "plant-2", COORDINATOR);
    keeper(file).keep(List.of(receipt("job-1", 1, "plant-2", mallory).toJson(), good.toJson()));
    assertEquals(List.of(good), ReceiptLog.open(file).read(), "only the genuine one is kept");
    assertTrue(log().contains("WARN refused the receipt for job job-1 round 1"), log());
    assertTrue(log().contains("its signature does not verify with the signing key of the"
        + " coordinator this site is connected to"), log());
  }

  @Test
  void keep_refusesAReceiptWhoseProofDoesNotLeadToItsRoot() throws Exception {
    Receipt r = receipt("job-1", 1, "plant-2", COORDINATOR);
    // correctly signed by the coordinator, but over a root the proof does not reach
    Receipt bent = Receipt.sign(r.jobId(), r.round(), r.participant(), r.contributionHash(),
        r.leafIndex(), r.treeSize(), r.proof(), hash("another root"), r.roundClosedSequence(),
        COORDINATOR);
    Path file = tmp.resolve("plant-2.jsonl");
    keeper(file).keep(List.of(bent.toJson()));
    assertEquals(List.of(), ReceiptLog.open(file).read());
    assertTrue(log().contains("its inclusion proof (leaf 1 of 3) does not lead to its Merkle"
        + " root " + hash("another root")), log());
  }

  @Test
  void keep_refusesReceiptsForAnotherSiteAndMalformedOnes() throws Exception {
    Path file = tmp.resolve("plant-2.jsonl");
    keeper(file).keep(List.of(receipt("job-1", 1, "plant-3", COORDINATOR).toJson(),
        "{\"type\":\"receipt\"}", "x".repeat(ReceiptKeeper.MAX_RECEIPT_CHARS + 1)));
    assertEquals(List.of(), ReceiptLog.open(file).read());
    assertTrue(log().contains("it is for 'plant-3', not this site ('plant-2')"), log());
    assertTrue(log().contains("refused a malformed receipt"), log());
    assertTrue(log().contains("refused a receipt of " + (ReceiptKeeper.MAX_RECEIPT_CHARS + 1)
        + " characters"), log());
  }

  @Test
  void keep_refusesReceiptsWhileTheCoordinatorKeyIsUnknown() throws Exception {
    Path file = tmp.resolve("plant-2.jsonl");
    keeper(file, Optional.empty()).keep(List.of(receipt("job-1", 1, "plant-2", COORDINATOR)
        .toJson()));
    assertEquals(List.of(), ReceiptLog.open(file).read());
    assertTrue(log().contains("the coordinator's signing key is unknown, so it cannot be checked"
        + " (no TLS session with the coordinator has been seen yet)"), log());
  }

  @Test
  void keep_keepsReceiptsInMemoryWhileTheLogCannotBeWrittenAndWritesThemAtTheNextPoll()
      throws Exception {
    // the receipt log's directory is a regular file: every write fails, as on a full or
    // read-only disk (permissions do not stop a root test runner)
    Path blocker = Files.writeString(tmp.resolve("site"), "not a directory");
    Path file = blocker.resolve("plant-2.jsonl");
    ReceiptKeeper keeper = keeper(file);
    Receipt first = receipt("job-1", 1, "plant-2", COORDINATOR);
    Receipt second = receipt("job-1", 2, "plant-2", COORDINATOR);

    keeper.keep(List.of(first.toJson()));
    keeper.keep(List.of(second.toJson()));
    keeper.keep(List.of());

    assertEquals(2, keeper.pending(), "both receipts wait in memory");
    assertTrue(log().contains("WARN receipt log " + file + " cannot be written"), log());
    assertTrue(log().contains("keeping 2 receipt(s) in memory and trying again at the next poll"),
        log());

    Files.delete(blocker);
    keeper.keep(List.of());

    assertEquals(0, keeper.pending());
    assertEquals(List.of(first, second), ReceiptLog.open(file).read(), "none lost, in order");
    assertTrue(log().contains("is writable again: wrote 2 receipt(s) kept in memory"), log());
  }
}
