package io.factoryfl.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerVerifierTest {

  @TempDir Path tmp;
  private LedgerFixture fx;
  private List<String> lines;

  @BeforeEach
  void writeLedger() throws IOException {
    fx = LedgerFixture.create(tmp).writeStandard();
    lines = Files.readAllLines(fx.ledger, StandardCharsets.UTF_8);
  }

  private void writeLines(List<String> newLines) throws IOException {
    Files.writeString(fx.ledger, String.join("\n", newLines) + "\n", StandardCharsets.UTF_8);
  }

  private int lineOf(String type, int occurrence) {
    int seen = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains("\"type\":\"" + type + "\"") && seen++ == occurrence) {
        return i + 1;
      }
    }
    throw new AssertionError("no " + type + " #" + occurrence);
  }

  private static void assertFails(Verification v, String... fragments) {
    assertFalse(v.ok(), "verification should fail");
    assertNotNull(v.problem());
    for (String fragment : fragments) {
      assertTrue(v.problem().contains(fragment),
          "problem should contain '" + fragment + "' but was: " + v.problem());
    }
  }

  @Test
  void verify_acceptsAnUntouchedLedgerWithReceipts() throws IOException {
    Verification v = fx.verify();

    assertTrue(v.ok(), v.problem());
    assertNull(v.problem());
    assertEquals(lines.size(), v.records());
    assertEquals(3, v.rounds());
    assertEquals(4 + 4 + 3, v.receipts()); // round 2 lost plant-4
    assertEquals(0, v.unsignedTail());
  }

  @Test
  void verify_namesTheRecordWhenAnyOneByteChanges() throws IOException {
    byte[] original = Files.readAllBytes(fx.ledger);
    List<int[]> positions = new ArrayList<>(); // {offset, line}
    int start = 0;
    for (int line = 1; line <= lines.size(); line++) {
      String text = lines.get(line - 1);
      int len = text.getBytes(StandardCharsets.UTF_8).length;
      Set<Integer> offsets = new TreeSet<>(List.of(0, 1, len / 4, len / 2, 3 * len / 4, len - 1,
          len));
      int sig = text.indexOf("\"sig\":\"");
      if (sig >= 0) {
        offsets.add(sig + 10);
        offsets.add(sig + 7 + 85); // last base64 character before the padding
      }
      for (String value : List.of("\"participant\":\"", "\"contribution_hash\":\"",
          "\"merkle_root\":\"", "\"train_loss\":", "\"prev\":\"", "\"seq\":")) {
        int at = text.indexOf(value);
        if (at >= 0) {
          offsets.add(at + value.length() + 1);
        }
      }
      for (int offset : offsets) {
        positions.add(new int[] {start + offset, line});
      }
      start += len + 1;
    }
    assertTrue(positions.size() > 250, "positions tried: " + positions.size());
    for (int[] p : positions) {
      for (int flip : new int[] {0x01, 0x20}) {
        byte[] changed = original.clone();
        changed[p[0]] ^= (byte) flip;
        Files.write(fx.ledger, changed);

        Verification v = fx.verify();

        assertFalse(v.ok(), "byte " + p[0] + " of line " + p[1] + " ^" + flip + " went unnoticed");
        assertTrue(v.problem().contains("line " + p[1]),
            "byte " + p[0] + " ^" + flip + " is in line " + p[1] + " but the problem is: "
                + v.problem());
      }
    }
  }

  @Test
  void verify_detectsEveryDeletedLine() throws IOException {
    for (int i = 0; i < lines.size(); i++) {
      List<String> fewer = new ArrayList<>(lines);
      fewer.remove(i);
      writeLines(fewer);
      Verification v = fx.verifyWithoutReceipts();
      assertFalse(v.ok(), "deleting line " + (i + 1) + " went unnoticed");
      assertTrue(v.problem().matches("(?s)(record|line) [0-9]+.*"), v.problem());
    }
  }

  @Test
  void verify_namesADeletedFirstLine() throws IOException {
    writeLines(lines.subList(1, lines.size()));
    assertFails(fx.verify(), "record 1 (line 1) is missing", "line 1 holds record 2");
  }

  @Test
  void verify_namesADeletedMiddleLine() throws IOException {
    int line = lineOf("contribution_accepted", 5);
    List<String> fewer = new ArrayList<>(lines);
    fewer.remove(line - 1);
    writeLines(fewer);
    assertFails(fx.verify(), "record " + line + " (line " + line + ") is missing",
        "line " + line + " holds record " + (line + 1));
  }

  @Test
  void verify_namesADeletedLastLine() throws IOException {
    int n = lines.size();
    writeLines(lines.subList(0, n - 1));
    assertFails(fx.verify(), "record " + n + " (line " + n + ") is missing", "names record " + n,
        "was deleted from the end");
  }

  @Test
  void verify_namesSwappedLines() throws IOException {
    int line = lineOf("contribution_accepted", 2);
    List<String> swapped = new ArrayList<>(lines);
    swapped.set(line - 1, lines.get(line));
    swapped.set(line, lines.get(line - 1));
    writeLines(swapped);
    assertFails(fx.verify(), "records " + line + " and " + (line + 1) + " were swapped");
  }

  @Test
  void verify_namesSwappedSignedRecord() throws IOException {
    int closed = lineOf("round_closed", 1);
    List<String> swapped = new ArrayList<>(lines);
    swapped.set(closed - 2, lines.get(closed - 1));
    swapped.set(closed - 1, lines.get(closed - 2));
    writeLines(swapped);
    assertFails(fx.verify(), "were swapped", "line " + (closed - 1));
  }

  /** A forger who knows the format writes a record with the right prev and the right seq. */
  @Test
  void verify_namesAnInsertedRecordWithCorrectPrevAndSeq() throws IOException {
    int at = lineOf("evaluation", 0); // insert before this line
    List<String> more = new ArrayList<>(lines);
    more.add(at - 1, forgedRecord(at, at, "admin_action",
        Map.of("job_id", "job-1", "by", "mallory", "action", "approve")));
    writeLines(more);
    assertFails(fx.verify(), "record " + at + " (line " + at + ") was inserted");
  }

  @Test
  void verify_namesAnInsertedRecordWithCorrectPrevButWrongSeq() throws IOException {
    int at = lineOf("evaluation", 0);
    List<String> more = new ArrayList<>(lines);
    more.add(at - 1, forgedRecord(at, 999, "admin_action",
        Map.of("job_id", "job-1", "by", "mallory", "action", "approve")));
    writeLines(more);
    assertFails(fx.verify(), "record 999 (line " + at + ") was inserted");
  }

  @Test
  void verify_namesADuplicatedLine() throws IOException {
    int at = lineOf("contribution_accepted", 1);
    List<String> more = new ArrayList<>(lines);
    more.add(at, lines.get(at - 1));
    writeLines(more);
    assertFails(fx.verify(), "was inserted");
  }

  /** A record appended at the very end by someone without the key is not signed... */
  @Test
  void verify_failsOnARecordAppendedAfterTheLastSignature() throws IOException {
    List<String> more = new ArrayList<>(lines);
    more.add(forgedRecord(lines.size() + 1, lines.size() + 1, "admin_action",
        Map.of("job_id", "job-1", "by", "mallory", "action", "approve")));
    writeLines(more);
    Verification v = fx.verify();
    int n = lines.size() + 1;
    assertFails(v, "record " + n + " (line " + n + "), admin_action, comes after the last signed"
        + " record (record " + lines.size() + ", job_finished): no coordinator signature covers"
        + " it", "is of job job-1, which ended with the signed job_finished record "
        + lines.size());
    assertEquals(1, v.unsignedTail());
    assertEquals(n, v.firstUnsigned());
  }

  @Test
  void verify_refusesTheUnsignedTailOfARunningJobUnlessAccepted() throws IOException {
    Path ledger = tmp.resolve("running/ledger.jsonl");
    try (LedgerWriter w = LedgerWriter.open(ledger, fx.coordinator, fx.clock)) {
      fx.writeJobs(w);
      w.append("job_submitted", Map.of("job_id", "job-3", "name", "n", "spec_hash",
          LedgerFixture.hash("spec of job-3"), "by", "alice"));
      w.append("round_opened", Map.of("job_id", "job-3", "round", 1, "attempt", 0,
          "cohort", LedgerFixture.SITES));
    }
    int n = lines.size();

    Verification refused = LedgerVerifier.verify(ledger, fx.ca.certificate(), null,
        fx.verifyClock);
    assertFails(refused, "records " + (n + 1) + " to " + (n + 2) + " (lines " + (n + 1) + " to "
        + (n + 2) + ") come after the last signed record (record " + n + ", job_finished)",
        "cannot be told from records appended by someone else",
        "verify again once it has finished or accept the unsigned tail explicitly");
    assertEquals(2, refused.unsignedTail());

    Verification accepted = LedgerVerifier.verify(ledger, LedgerWriter.headFile(ledger),
        fx.ca.certificate(), fx.receipts, fx.verifyClock, LedgerVerifier.UnsignedTail.ACCEPT);
    assertTrue(accepted.ok(), accepted.problem());
    assertEquals(n + 2, accepted.records());
    assertEquals(2, accepted.unsignedTail());
    assertEquals(n + 1, accepted.firstUnsigned());
  }

  @Test
  void verify_refusesAFakeRoundAfterTheJobFinishedEvenWhenTheTailIsAccepted()
      throws IOException {
    List<String> more = new ArrayList<>(lines);
    more.add(forgedRecord(more.size() + 1, more.size() + 1, "round_opened", Map.of(
        "job_id", "job-1", "round", 4, "attempt", 0, "cohort", List.of("mallory"))));
    writeLines(more);
    Verification v = LedgerVerifier.verify(fx.ledger, LedgerWriter.headFile(fx.ledger),
        fx.ca.certificate(), null, fx.verifyClock, LedgerVerifier.UnsignedTail.ACCEPT);
    assertFails(v, "round_opened, is of job job-1, which ended with the signed job_finished",
        "a finished job's log gets no more records, so the coordinator did not write it");
  }

  @Test
  void verify_skipsAndCountsReceiptsOfOtherJobs() throws IOException {
    fx.writeOtherJob(tmp.resolve("other/ledger.jsonl"), fx.receipts, "job-9",
        List.of("plant-1", "plant-2", "plant-3"));
    Verification v = fx.verify();
    assertTrue(v.ok(), v.problem());
    assertEquals(11, v.receipts(), "4 + 3 + 4 receipts of job-1");
    assertEquals(3, v.otherJobReceipts());
    assertEquals(List.of("job-9"), v.otherJobs());

    Verification other = LedgerVerifier.verify(tmp.resolve("other/ledger.jsonl"),
        fx.ca.certificate(), fx.receipts, fx.verifyClock);
    assertTrue(other.ok(), other.problem());
    assertEquals(3, other.receipts());
    assertEquals(11, other.otherJobReceipts());
    assertEquals(List.of("job-1"), other.otherJobs());
  }

  /** ...and one that claims to be signed is caught. */
  @Test
  void verify_namesARecordSignedByAnotherCoordinatorKey() throws IOException {
    SigningIdentity mallory = SigningIdentity.of(fx.ca.issue("coordinator", Role.COORDINATOR,
        Duration.ofDays(30), List.of()));
    int line = lineOf("round_closed", 1);
    String original = lines.get(line - 1);
    byte[] payload = LedgerLine.withoutTopLevelMember(
        original.getBytes(StandardCharsets.UTF_8), "sig");
    String forgedSig = Base64.getEncoder().encodeToString(
        SigningIdentity.sign(mallory.privateKey(), payload));
    String forged = original.replaceFirst("\"sig\":\"[^\"]+\"", "\"sig\":\"" + forgedSig + "\"");
    List<String> changed = new ArrayList<>(lines);
    changed.set(line - 1, forged);
    writeLines(changed);
    assertFails(fx.verify(), "record " + line + " (line " + line + "), round_closed",
        "signature does not verify");
  }

  @Test
  void verify_namesAChangedRoundResignedByAnotherKey() throws IOException {
    SigningIdentity mallory = SigningIdentity.of(fx.ca.issue("mallory", Role.COORDINATOR,
        Duration.ofDays(30), List.of()));
    int line = lineOf("round_closed", 0);
    String original = lines.get(line - 1);
    String unsigned = new String(LedgerLine.withoutTopLevelMember(
        original.getBytes(StandardCharsets.UTF_8), "sig"), StandardCharsets.UTF_8);
    String altered = unsigned.replace("\"train_loss\":0.9", "\"train_loss\":0.1");
    String sig = Base64.getEncoder().encodeToString(SigningIdentity.sign(mallory.privateKey(),
        altered.getBytes(StandardCharsets.UTF_8)));
    List<String> changed = new ArrayList<>(lines);
    changed.set(line - 1, altered.replace(",\"time\":", ",\"sig\":\"" + sig + "\",\"time\":"));
    writeLines(changed);
    assertFails(fx.verify(), "line " + line, "signature does not verify");
  }

  @Test
  void verify_rejectsACoordinatorCertificateFromAnotherCa() throws IOException {
    CertificateAuthority other = LedgerFixture.newCa("evil");
    Path ledger = tmp.resolve("other/ledger.jsonl");
    try (LedgerWriter w = LedgerWriter.open(ledger, LedgerFixture.coordinatorOf(other),
        fx.clock)) {
      w.append("job_submitted", Map.of("job_id", "j", "name", "n", "spec_hash", "s", "by", "b"));
    }
    Verification v = LedgerVerifier.verify(ledger, fx.ca.certificate(), null, fx.verifyClock);
    assertFails(v, "record 1 (line 1), ledger_opened", "not signed by the federation CA");
  }

  @Test
  void verify_rejectsALedgerSignedWithAParticipantCertificate() throws IOException {
    SigningIdentity site = SigningIdentity.of(fx.ca.issue("coordinator", Role.PARTICIPANT,
        Duration.ofDays(30), List.of()));
    Path ledger = tmp.resolve("site/ledger.jsonl");
    try (LedgerWriter w = LedgerWriter.open(ledger, site, fx.clock)) {
      w.append("job_submitted", Map.of("job_id", "j", "name", "n", "spec_hash", "s", "by", "b"));
    }
    Verification v = LedgerVerifier.verify(ledger, fx.ca.certificate(), null, fx.verifyClock);
    assertFails(v, "line 1", "participant certificate, not a coordinator certificate");
  }

  @Test
  void verify_rejectsRecordsSignedAfterTheCertificateExpired() throws IOException {
    Path ledger = tmp.resolve("late/ledger.jsonl");
    LedgerFixture.StepClock late = new LedgerFixture.StepClock(
        LedgerFixture.T0.plus(Duration.ofDays(40)));
    try (LedgerWriter w = LedgerWriter.open(ledger, fx.coordinator, late)) {
      w.append("job_submitted", Map.of("job_id", "j", "name", "n", "spec_hash", "s", "by", "b"));
    }
    Verification v = LedgerVerifier.verify(ledger, fx.ca.certificate(), null,
        java.time.Clock.fixed(LedgerFixture.T0.plus(Duration.ofDays(41)),
            java.time.ZoneOffset.UTC));
    assertFails(v, "line 1", "expired");
  }

  @Test
  void verify_namesAMerkleRootThatDoesNotMatchTheContributions() throws IOException {
    // A coordinator (who holds the key) signing a root over other contributions is still caught.
    Path ledger = tmp.resolve("bad-root/ledger.jsonl");
    String bogusRoot = LedgerFixture.hash("bogus");
    try (LedgerWriter w = LedgerWriter.open(ledger, fx.coordinator, fx.clock)) {
      w.append("round_opened", Map.of("job_id", "j", "round", 1, "attempt", 0,
          "cohort", List.of("a")));
      w.append("contribution_accepted", Map.of("job_id", "j", "round", 1, "attempt", 0,
          "participant", "a", "contribution_hash", LedgerFixture.hash("a")));
    }
    List<String> ls = new ArrayList<>(Files.readAllLines(ledger));
    // hand-craft a signed round_closed with the wrong root (the writer refuses to write one)
    ls.add(signedRecord(ls, fx.coordinator, "round_closed", Map.of("job_id", "j", "round", 1,
        "attempt", 0, "cohort_size", 1, "contributors", List.of("a"), "merkle_root", bogusRoot,
        "aggregate_hash", "x", "model_hash", "y", "metrics", Map.of(),
        "secure_aggregation", Map.of())));
    Files.writeString(ledger, String.join("\n", ls) + "\n");
    Verification v = LedgerVerifier.verify(ledger, fx.ca.certificate(), null, fx.verifyClock);
    assertFails(v, "record 4 (line 4), round_closed", "is not the Merkle root");
  }

  @Test
  void verify_namesAReceiptWhoseContributionIsMissingFromTheLog() throws IOException {
    // The coordinator rewrites the ledger, pretending plant-3 dropped out of round 1, and signs
    // it all again with its own key: only plant-3's receipt shows it.
    LedgerFixture rewritten = fx.rewrittenWithout(tmp.resolve("rewritten"), Set.of("plant-3"));
    rewritten.writeStandard();
    assertTrue(rewritten.verifyWithoutReceipts().ok());
    Path plant3 = tmp.resolve("plant-3-receipts");
    Files.createDirectories(plant3);
    Files.copy(fx.receipts.resolve("plant-3.jsonl"), plant3.resolve("plant-3.jsonl"));

    Verification v = LedgerVerifier.verify(rewritten.ledger, fx.ca.certificate(), plant3,
        fx.verifyClock);

    assertFails(v, "receipt plant-3.jsonl line 1 (plant-3, job job-1 round 1)",
        "is missing from the log", "does not list plant-3");
  }

  @Test
  void verify_failsEveryReceiptOfARewrittenRound() throws IOException {
    LedgerFixture rewritten = fx.rewrittenWithout(tmp.resolve("rewritten"), Set.of("plant-3"));
    rewritten.writeStandard();
    Verification v = LedgerVerifier.verify(rewritten.ledger, fx.ca.certificate(), fx.receipts,
        fx.verifyClock);
    assertFails(v, "receipt plant-1.jsonl line 1", "does not match round_closed record");
  }

  @Test
  void verify_namesAReceiptWithABadSignature() throws IOException {
    Path file = fx.receipts.resolve("plant-2.jsonl");
    List<String> receipts = Files.readAllLines(file);
    Receipt r = Receipt.fromJson(receipts.get(1));
    SigningIdentity mallory = SigningIdentity.of(fx.ca.issue("coordinator", Role.COORDINATOR,
        Duration.ofDays(30), List.of()));
    Receipt forged = Receipt.sign(r.jobId(), r.round(), r.participant(), r.contributionHash(),
        r.leafIndex(), r.treeSize(), r.proof(), r.merkleRoot(), r.roundClosedSequence(),
        mallory);
    receipts.set(1, forged.toJson());
    Files.write(file, receipts);
    assertFails(fx.verify(), "receipt plant-2.jsonl line 2 (plant-2, job job-1 round 2)",
        "signature does not verify");
  }

  @Test
  void verify_namesAReceiptForARoundNotInTheLedger() throws IOException {
    Receipt r = Receipt.fromJson(Files.readAllLines(fx.receipts.resolve("plant-1.jsonl"))
        .get(0));
    Receipt stray = Receipt.sign("job-1", 7, r.participant(), r.contributionHash(),
        r.leafIndex(), r.treeSize(), r.proof(), r.merkleRoot(), 500, fx.coordinator);
    Path dir = tmp.resolve("stray");
    ReceiptLog.open(dir.resolve("plant-1.jsonl")).append(stray);
    Verification v = LedgerVerifier.verify(fx.ledger, fx.ca.certificate(), dir, fx.verifyClock);
    assertFails(v, "receipt plant-1.jsonl line 1 (plant-1, job job-1 round 7)",
        "points to record 500", "the round it proves is not in the ledger");
  }

  @Test
  void verify_namesAMalformedReceiptLine() throws IOException {
    Files.writeString(fx.receipts.resolve("plant-4.jsonl"), "{\"type\":\"receipt\"}\n",
        java.nio.file.StandardOpenOption.APPEND);
    assertFails(fx.verify(), "receipt file plant-4.jsonl", "line 3");
  }

  @Test
  void verify_requiresTheSignedHead() throws IOException {
    Files.delete(LedgerWriter.headFile(fx.ledger));
    assertFails(fx.verify(), "signed head", "is missing");
  }

  @Test
  void verify_rejectsAForgedHead() throws IOException {
    SigningIdentity mallory = SigningIdentity.of(fx.ca.issue("coordinator", Role.COORDINATOR,
        Duration.ofDays(30), List.of()));
    int n = lines.size();
    writeLines(lines.subList(0, n - 1));
    LedgerLine last = parse(n - 1, lines.get(n - 2));
    Files.writeString(LedgerWriter.headFile(fx.ledger),
        LedgerHead.signedLine(n - 1, last.hash, mallory.privateKey()) + "\n");
    assertFails(fx.verify(), "signed head", "does not verify");
  }

  @Test
  void verify_namesATornLastLine() throws IOException {
    Files.writeString(fx.ledger, "{\"prev\":\"00", java.nio.file.StandardOpenOption.APPEND);
    assertFails(fx.verify(), "line " + (lines.size() + 1), "no newline");
  }

  private static LedgerLine parse(int line, String text) {
    try {
      return LedgerLine.parse(line, text.getBytes(StandardCharsets.UTF_8));
    } catch (LedgerException e) {
      throw new AssertionError(e.getMessage());
    }
  }

  /** An unsigned record that follows line {@code at - 1} of the ledger, as a forger would. */
  private String forgedRecord(int at, long seq, String type, Map<String, Object> fields) {
    TreeMap<String, Object> all = new TreeMap<>(fields);
    all.put("seq", seq);
    all.put("type", type);
    all.put("time", LedgerFixture.T0.plusSeconds(3600).toString());
    all.put("prev", parse(at - 1, lines.get(at - 2)).hash);
    return CanonicalJson.write(all, type);
  }

  private static String signedRecord(List<String> before, SigningIdentity key, String type,
      Map<String, Object> fields) {
    TreeMap<String, Object> all = new TreeMap<>(fields);
    all.put("seq", before.size() + 1);
    all.put("type", type);
    all.put("time", LedgerFixture.T0.plusSeconds(3600).toString());
    all.put("prev", parse(before.size(), before.get(before.size() - 1)).hash);
    String unsigned = CanonicalJson.write(all, type);
    all.put("sig", Base64.getEncoder().encodeToString(SigningIdentity.sign(key.privateKey(),
        unsigned.getBytes(StandardCharsets.UTF_8))));
    return CanonicalJson.write(all, type);
  }
}
