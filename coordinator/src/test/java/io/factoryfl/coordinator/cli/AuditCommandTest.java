package io.factoryfl.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.ledger.LedgerRecord;
import io.factoryfl.core.ledger.LedgerWriter;
import io.factoryfl.core.ledger.MerkleTree;
import io.factoryfl.core.ledger.Receipt;
import io.factoryfl.core.ledger.ReceiptLog;
import io.factoryfl.core.params.ContentHash;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.Pem;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditCommandTest {

  private static final Instant T0 = Instant.parse("2025-03-01T08:00:00Z");
  private static final Clock LATER = Clock.fixed(T0.plus(Duration.ofDays(1)), ZoneOffset.UTC);
  private static final List<String> SITES = List.of("plant-1", "plant-2", "plant-3");

  @TempDir Path tmp;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private Path ledger;
  private Path caPem;
  private Path receipts;
  private SigningIdentity coordinator;

  private int run(String... args) {
    out.reset();
    err.reset();
    return AuditCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), LATER);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private static String hash(String s) {
    return ContentHash.of(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Two rounds of one job, receipts for every contribution, and the CA certificate. */
  @BeforeEach
  void writeLedger() throws IOException {
    Clock t0 = Clock.fixed(T0, ZoneOffset.UTC);
    CertificateAuthority ca = CertificateAuthority.create("acme", t0, Duration.ofDays(365),
        new SecureRandom());
    coordinator = SigningIdentity.of(ca.issue("coordinator", Role.COORDINATOR,
        Duration.ofDays(30), List.of("localhost")));
    caPem = tmp.resolve("ca.pem");
    Pem.writeCertificate(caPem, ca.certificate());
    ledger = tmp.resolve("ledger.jsonl");
    receipts = tmp.resolve("receipts");
    try (LedgerWriter w = LedgerWriter.open(ledger, coordinator, t0)) {
      w.append("job_submitted", Map.of("job_id", "job-1", "name", "bearings",
          "spec_hash", hash("spec"), "by", "alice"));
      for (int round = 1; round <= 2; round++) {
        w.append("round_opened", Map.of("job_id", "job-1", "round", round, "attempt", 0,
            "cohort", SITES));
        Map<String, String> hashes = new LinkedHashMap<>();
        for (String site : SITES) {
          String h = hash(site + round);
          w.append("contribution_accepted", Map.of("job_id", "job-1", "round", round,
              "attempt", 0, "participant", site, "contribution_hash", h));
          hashes.put(site, h);
        }
        Map<String, Object> closed = new LinkedHashMap<>();
        closed.put("job_id", "job-1");
        closed.put("round", round);
        closed.put("attempt", 0);
        closed.put("cohort_size", 3);
        closed.put("contributors", SITES);
        closed.put("merkle_root", MerkleTree.root(new ArrayList<>(hashes.values())));
        closed.put("aggregate_hash", hash("aggregate" + round));
        closed.put("model_hash", hash("model" + round));
        closed.put("metrics", Map.of("train_loss", 1.0 / round));
        closed.put("secure_aggregation", Map.of("enabled", true, "neighbours", 2,
            "threshold", 2, "clip", 5.0, "bits", 32));
        LedgerRecord record = w.appendSigned("round_closed", closed);
        for (Receipt r : Receipt.forRound(record, hashes, coordinator)) {
          ReceiptLog.open(receipts.resolve(r.participant() + ".jsonl")).append(r);
        }
      }
      w.appendSigned("job_finished", Map.of("job_id", "job-1", "state", "SUCCEEDED",
          "message", "2 rounds", "model_hash", hash("model2")));
    }
  }

  @Test
  void verify_printsOkAndExitsZeroForAnUntouchedLedger() {
    assertEquals(0, run("verify", ledger.toString(), "--ca", caPem.toString(),
        "--receipts", receipts.toString()), err());
    assertEquals("OK: 13 records, 2 rounds, 6 receipts verified\n", out());
  }

  @Test
  void verify_exitsNonZeroNamingTheLineAfterAnyOneByteChanges() throws IOException {
    byte[] original = Files.readAllBytes(ledger);
    int line = 1;
    for (int i = 0; i < original.length; i += 7) {
      byte[] changed = original.clone();
      changed[i] ^= 0x01;
      Files.write(ledger, changed);
      assertEquals(1, run("verify", ledger.toString(), "--ca", caPem.toString()),
          "byte " + i + ": " + out() + err());
      assertTrue(out().startsWith("FAILED: "), out());
      assertTrue(out().contains("line " + line), "byte " + i + " is on line " + line + ": "
          + out());
      for (int j = i; j < Math.min(i + 7, original.length); j++) {
        if (original[j] == '\n') {
          line++;
        }
      }
    }
  }

  @Test
  void verify_exitsNonZeroAfterAnyOneLineIsDeleted() throws IOException {
    List<String> lines = Files.readAllLines(ledger, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      List<String> fewer = new ArrayList<>(lines);
      fewer.remove(i);
      Files.writeString(ledger, String.join("\n", fewer) + "\n", StandardCharsets.UTF_8);
      assertEquals(1, run("verify", ledger.toString(), "--ca", caPem.toString()),
          "deleting line " + (i + 1) + ": " + out());
      assertTrue(out().startsWith("FAILED: "), out());
    }
  }

  @Test
  void verify_failsOnAReceiptWhoseContributionIsNotInTheLedger() throws IOException {
    // the coordinator acknowledged one contribution but logged another
    Receipt r = Receipt.fromJson(Files.readAllLines(receipts.resolve("plant-2.jsonl")).get(0));
    Path other = tmp.resolve("other-receipts");
    ReceiptLog.open(other.resolve("plant-2.jsonl")).append(Receipt.sign(r.jobId(), r.round(),
        r.participant(), hash("what plant-2 really sent"), r.leafIndex(), r.treeSize(),
        r.proof(), r.merkleRoot(), r.roundClosedSequence(), coordinator));

    assertEquals(1, run("verify", ledger.toString(), "--ca", caPem.toString(),
        "--receipts", other.toString()));
    assertTrue(out().startsWith("FAILED: receipt plant-2.jsonl line 1 (plant-2, job job-1 round"
        + " 1): its contribution " + hash("what plant-2 really sent")
        + " is missing from the log"), out());
  }

  @Test
  void verify_failsOnAReceiptWithAForgedSignature() throws IOException {
    Receipt r = Receipt.fromJson(Files.readAllLines(receipts.resolve("plant-1.jsonl")).get(1));
    String sig = r.signature();
    String flipped = (sig.charAt(0) == 'A' ? "B" : "A") + sig.substring(1);
    Path other = tmp.resolve("forged");
    ReceiptLog.open(other.resolve("plant-1.jsonl")).append(new Receipt(r.jobId(), r.round(),
        r.participant(), r.contributionHash(), r.leafIndex(), r.treeSize(), r.proof(),
        r.merkleRoot(), r.roundClosedSequence(), flipped));

    assertEquals(1, run("verify", ledger.toString(), "--ca", caPem.toString(),
        "--receipts", other.toString()));
    assertTrue(out().startsWith("FAILED: receipt plant-1.jsonl line 1 (plant-1, job job-1 round"
        + " 2): its signature does not verify"), out());
  }

  @Test
  void verify_refusesTheUnsignedTailOfARunningJobUnlessAllowedAndThenSaysItIsNotVerified()
      throws IOException {
    // job-2 is still running: its latest records are not signed yet
    try (LedgerWriter w = LedgerWriter.open(ledger, coordinator, Clock.fixed(T0.plusSeconds(60),
        ZoneOffset.UTC))) {
      w.append("job_submitted", Map.of("job_id", "job-2", "name", "paint",
          "spec_hash", hash("spec 2"), "by", "bob"));
      w.append("round_opened", Map.of("job_id", "job-2", "round", 1, "attempt", 0,
          "cohort", SITES));
    }
    // records 1-13, the signed ledger_reopened (14), then two unsigned ones

    assertEquals(1, run("verify", ledger.toString(), "--ca", caPem.toString()));
    assertEquals("FAILED: records 15 to 16 (lines 15 to 16) come after the last signed record"
        + " (record 14, ledger_reopened): no coordinator signature covers them, so they cannot be"
        + " told from records appended by someone else; if the job is still running, verify"
        + " again once it has finished or accept the unsigned tail explicitly\n"
        + "everything before record 15 verifies; if the job is still running,"
        + " --allow-unsigned-tail accepts its 2 unsigned record(s), reported as not verified\n",
        out());

    assertEquals(0, run("verify", ledger.toString(), "--ca", caPem.toString(),
        "--allow-unsigned-tail", "--receipts", receipts.toString()), out());
    assertEquals("OK: 16 records, 2 rounds, 6 receipts verified\n"
        + "accepted 2 unsigned record(s) (records 15 to 16) after the last signed record, as"
        + " --allow-unsigned-tail asked: no coordinator signature covers them, so they are NOT"
        + " verified; verify again once the job has finished\n", out());
  }

  @Test
  void verify_warnsWhenNoReceiptIsForThisLedgersJobs() throws IOException {
    Path elsewhere = tmp.resolve("elsewhere");
    for (Receipt r : ReceiptLog.open(receipts.resolve("plant-1.jsonl")).read()) {
      ReceiptLog.open(elsewhere.resolve("plant-1.jsonl")).append(Receipt.sign("job-7",
          r.round(), r.participant(), r.contributionHash(), r.leafIndex(), r.treeSize(),
          r.proof(), r.merkleRoot(), r.roundClosedSequence(), coordinator));
    }
    assertEquals(0, run("verify", ledger.toString(), "--ca", caPem.toString(), "--receipts",
        elsewhere.toString()), out());
    assertTrue(out().contains("OK: 13 records, 2 rounds, 0 receipts verified\n"
        + "skipped 2 receipt(s) of other jobs (job-7)"), out());
    assertTrue(out().contains("warning: no receipt under " + elsewhere + " is for a job of this"
        + " ledger; check that " + ledger + " is the ledger of the job you meant"), out());
  }

  @Test
  void verify_namesBadArgumentsAndExitsTwo() throws IOException {
    assertEquals(2, run("verify", ledger.toString()));
    assertTrue(err().contains("audit verify: missing --ca"), err());

    assertEquals(2, run("verify", tmp.resolve("nope.jsonl").toString(), "--ca",
        caPem.toString()));
    assertTrue(err().contains("invalid LEDGER '" + tmp.resolve("nope.jsonl")
        + "': no such file"), err());

    assertEquals(2, run("verify", ledger.toString(), "--ca", caPem.toString(),
        "--receipts", ledger.toString()));
    assertTrue(err().contains("invalid --receipts '" + ledger + "': not a directory"), err());

    Path notPem = Files.writeString(tmp.resolve("not.pem"), "hello");
    assertEquals(2, run("verify", ledger.toString(), "--ca", notPem.toString()));
    assertTrue(err().contains("invalid --ca '" + notPem + "'"), err());

    assertEquals(2, run("verify", ledger.toString(), "--ca", caPem.toString(), "--recipts",
        "x"));
    assertTrue(err().contains("unknown option '--recipts'"), err());

    assertEquals(2, run("verify"));
    assertTrue(err().contains("expected exactly one LEDGER file, got none"), err());

    assertEquals(2, run("audit-everything"));
    assertTrue(err().contains("unknown command 'audit-everything'"), err());
  }

  @Test
  void report_writesASelfContainedPageWithEveryRound() throws IOException {
    Path html = tmp.resolve("out/report.html");
    assertEquals(0, run("report", ledger.toString(), "--out", html.toString()), err());
    String page = Files.readString(html);
    assertTrue(page.contains("data-round=\"1\"") && page.contains("data-round=\"2\""));
    assertTrue(!page.contains("http://") && !page.contains("https://")
        && !page.contains("<script"));
    assertTrue(out().startsWith("wrote " + html), out());

    assertEquals(2, run("report", ledger.toString()));
    assertTrue(err().contains("audit report: missing --out"), err());
  }

  @Test
  void help_exitsZero() {
    assertEquals(0, run("--help"));
    assertTrue(out().contains("audit verify LEDGER --ca CA.pem [--receipts DIR] [--head FILE]"
        + " [--allow-unsigned-tail]"));
    assertEquals(0, run("verify", "--help"));
    assertTrue(out().startsWith("Usage: audit verify"));
    assertEquals(0, run("report", "--help"));
    assertTrue(out().startsWith("Usage: audit report"));
    assertEquals(2, run());
  }
}
