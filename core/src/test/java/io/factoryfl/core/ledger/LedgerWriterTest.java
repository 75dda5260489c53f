package io.factoryfl.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.params.ContentHash;
import io.factoryfl.core.security.SigningIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerWriterTest {

  @TempDir Path tmp;
  private LedgerFixture fx;

  @BeforeEach
  void setUp() {
    fx = LedgerFixture.create(tmp);
  }

  private static Map<String, Object> job(String id) {
    return Map.of("job_id", id, "name", "n", "spec_hash", LedgerFixture.hash(id), "by", "alice");
  }

  @Test
  void open_startsANewLedgerWithTheCoordinatorCertificate() throws Exception {
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      LedgerRecord first = w.records().get(0);
      assertEquals(1, first.sequence());
      assertEquals("ledger_opened", first.type());
      assertTrue(first.signed());
      Map<String, Object> f = first.fields();
      assertEquals("coordinator", f.get("coordinator"));
      assertEquals(Base64.getEncoder().encodeToString(fx.coordinator.certificateDer()),
          f.get("certificate"));
      assertEquals("0".repeat(64), f.get("prev"));
      assertEquals(LedgerFixture.T0.toString(), f.get("time"));
    }
    assertTrue(Files.exists(LedgerWriter.headFile(fx.ledger)));
  }

  @Test
  void append_writesCanonicalJsonLinesChainedByHash() throws Exception {
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      LedgerRecord r = w.append("job_submitted", Map.of("spec_hash", "h", "name", "line\n\"x\"",
          "job_id", "j1", "by", "élodie"));
      assertEquals(2, r.sequence());
      assertEquals("{\"by\":\"élodie\",\"job_id\":\"j1\",\"name\":\"line\\n\\\"x\\\"\","
          + "\"prev\":\"" + w.records().get(0).hash() + "\",\"seq\":2,\"spec_hash\":\"h\","
          + "\"time\":\"2025-03-01T08:00:01Z\",\"type\":\"job_submitted\"}", r.json());
      assertEquals(ContentHash.of(r.json().getBytes(StandardCharsets.UTF_8)), r.hash());
    }
    List<String> lines = Files.readAllLines(fx.ledger, StandardCharsets.UTF_8);
    assertEquals(2, lines.size());
    assertTrue(Files.readString(fx.ledger).endsWith("}\n"));
  }

  @Test
  void appendSigned_signsTheLineWithoutItsSignature() throws Exception {
    LedgerRecord r;
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      w.append("job_submitted", job("j1"));
      r = w.appendSigned("job_finished", LedgerFixture.fields("job_id", "j1", "state",
          "FAILED", "message", "no sites", "model_hash", null));
    }
    String sig = (String) r.fields().get("sig");
    String unsigned = r.json().replace(",\"sig\":\"" + sig + "\"", "");
    assertTrue(SigningIdentity.verify(fx.coordinator.publicKey(),
        unsigned.getBytes(StandardCharsets.UTF_8), Base64.getDecoder().decode(sig)));
    assertTrue(fx.verifyWithoutReceipts().ok());
  }

  @Test
  void anInterruptedThread_stillWritesItsRecords_andKeepsItsInterrupt() throws Exception {
    // a job cancelled (its thread interrupted) writes its last records to the same open ledger
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      Thread.currentThread().interrupt();
      try {
        w.append("job_submitted", Map.of("job_id", "job-1", "spec_hash", "h", "name", "n", "by", "e"));
        w.appendSigned("admin_action", Map.of("job_id", "job-1", "by", "e", "action", "cancel"));
        assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is left for the job to see");
      } finally {
        Thread.interrupted();
      }
      w.append("admin_action", Map.of("job_id", "job-1", "by", "e", "action", "after"));
    }
    assertEquals(4, Files.readAllLines(fx.ledger).size());
  }

  @Test
  void open_continuesTheChainOfAnExistingLedger() throws Exception {
    List<LedgerRecord> before;
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      w.append("job_submitted", job("j1"));
      before = w.records();
    }
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      List<LedgerRecord> all = w.records();
      assertEquals(before, all.subList(0, 2));
      LedgerRecord reopened = all.get(2);
      assertEquals("ledger_reopened", reopened.type());
      assertEquals(0, ((Number) reopened.fields().get("torn_bytes")).intValue());
      assertEquals(before.get(1).hash(), reopened.fields().get("prev"));
      LedgerRecord next = w.append("job_submitted", job("j2"));
      assertEquals(4, next.sequence());
    }
    assertFalse(fx.verifyWithoutReceipts().ok(), "the unsigned tail is refused by default");
    Verification v = fx.verifyRunning();
    assertTrue(v.ok(), v.problem());
    assertEquals(4, v.records());
    assertEquals(1, v.unsignedTail());
  }

  @Test
  void open_acceptsARenewedCoordinatorCertificate() throws Exception {
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      w.append("job_submitted", job("j1"));
    }
    SigningIdentity renewed = LedgerFixture.coordinatorOf(fx.ca);
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, renewed, fx.clock)) {
      w.appendSigned("job_finished", LedgerFixture.fields("job_id", "j1", "state", "SUCCEEDED",
          "message", "", "model_hash", null));
    }
    Verification v = fx.verifyWithoutReceipts();
    assertTrue(v.ok(), v.problem());
  }

  @Test
  void open_cutsOffAndRecordsATornLastLine() throws Exception {
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      w.append("job_submitted", job("j1"));
    }
    byte[] torn = "{\"job_id\":\"j2\",\"na".getBytes(StandardCharsets.UTF_8);
    Files.write(fx.ledger, torn, StandardOpenOption.APPEND);
    assertFalse(fx.verifyWithoutReceipts().ok(), "a torn line must not verify");

    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      Map<String, Object> reopened = w.records().get(2).fields();
      assertEquals(torn.length, ((Number) reopened.get("torn_bytes")).intValue());
      assertEquals(ContentHash.of(torn), reopened.get("torn_sha256"));
    }
    assertFalse(Files.readString(fx.ledger).contains("\"na{"));
    Verification v = fx.verifyWithoutReceipts();
    assertTrue(v.ok(), v.problem());
  }

  @Test
  void open_refusesALedgerWithAChangedRecord() throws Exception {
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      w.append("job_submitted", job("j1"));
      w.append("job_submitted", job("j2"));
      w.append("job_submitted", job("j3"));
    }
    Files.writeString(fx.ledger, Files.readString(fx.ledger).replace("\"j1\"", "\"j9\""));
    IOException e = assertThrows(IOException.class,
        () -> LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock));
    assertTrue(e.getMessage().contains("is damaged: record 2 (line 2) was changed"),
        e.getMessage());
  }

  @Test
  void open_refusesALedgerCutShortOfItsSignedHead() throws Exception {
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      w.append("job_submitted", job("j1"));
      w.appendSigned("job_finished", LedgerFixture.fields("job_id", "j1", "state", "SUCCEEDED",
          "message", "", "model_hash", null));
    }
    List<String> lines = Files.readAllLines(fx.ledger);
    Files.writeString(fx.ledger, lines.get(0) + "\n" + lines.get(1) + "\n");
    IOException e = assertThrows(IOException.class,
        () -> LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock));
    assertTrue(e.getMessage().contains("names record 3"), e.getMessage());
    assertTrue(e.getMessage().contains("deleted from its end"), e.getMessage());
  }

  @Test
  void open_refusesASecondWriter() throws Exception {
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      IOException e = assertThrows(IOException.class,
          () -> LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock));
      assertTrue(e.getMessage().contains("already open for writing"), e.getMessage());
    }
  }

  @Test
  void append_refusesAnUnsignedRoundClosed() throws Exception {
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> w.append("round_closed", Map.of("job_id", "j")));
      assertTrue(e.getMessage().contains("round_closed records must carry the coordinator's"
          + " signature"), e.getMessage());
      assertEquals(1, w.records().size());
    }
  }

  @Test
  void append_refusesReservedAndUnsupportedFields() throws Exception {
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      IllegalArgumentException reserved = assertThrows(IllegalArgumentException.class,
          () -> w.append("admin_action", Map.of("seq", 5)));
      assertTrue(reserved.getMessage().contains("field 'seq'"), reserved.getMessage());
      IllegalArgumentException unsupported = assertThrows(IllegalArgumentException.class,
          () -> w.append("admin_action", Map.of("job_id", "j", "by", "b", "action",
              new Object())));
      assertTrue(unsupported.getMessage().contains("field admin_action.action"),
          unsupported.getMessage());
      IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
          () -> w.append("contribution_accepted", Map.of("job_id", "j", "round", 1,
              "attempt", 0, "participant", "a")));
      assertTrue(missing.getMessage().contains("\"contribution_hash\" must be a non-empty"),
          missing.getMessage());
    }
  }

  @Test
  void appendSigned_refusesAMerkleRootThatDoesNotMatchTheContributions() throws Exception {
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      w.append("round_opened", Map.of("job_id", "j", "round", 1, "attempt", 0,
          "cohort", List.of("a", "b")));
      w.append("contribution_accepted", Map.of("job_id", "j", "round", 1, "attempt", 0,
          "participant", "a", "contribution_hash", LedgerFixture.hash("a")));
      w.append("contribution_accepted", Map.of("job_id", "j", "round", 1, "attempt", 0,
          "participant", "b", "contribution_hash", LedgerFixture.hash("b")));
      Map<String, Object> closed = new java.util.HashMap<>(Map.of("job_id", "j", "round", 1,
          "attempt", 0, "cohort_size", 2, "contributors", List.of("a", "b"),
          "aggregate_hash", "x", "model_hash", "y", "metrics", Map.of("train_loss", 0.5),
          "secure_aggregation", Map.of("enabled", false)));
      closed.put("merkle_root", MerkleTree.root(List.of(LedgerFixture.hash("b"),
          LedgerFixture.hash("a"))));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> w.appendSigned("round_closed", closed));
      assertTrue(e.getMessage().contains("is not the Merkle root of the contributions"),
          e.getMessage());

      closed.put("contributors", List.of("a"));
      closed.put("merkle_root", MerkleTree.root(List.of(LedgerFixture.hash("a"))));
      IllegalArgumentException unexplained = assertThrows(IllegalArgumentException.class,
          () -> w.appendSigned("round_closed", closed));
      assertTrue(unexplained.getMessage().contains("the contribution accepted from b"),
          unexplained.getMessage());

      closed.put("contributors", List.of("a", "b"));
      closed.put("merkle_root", MerkleTree.root(List.of(LedgerFixture.hash("a"),
          LedgerFixture.hash("b"))));
      w.appendSigned("round_closed", closed);
    }
    assertTrue(fx.verifyWithoutReceipts().ok());
  }

  @Test
  void append_refusesAContributionFromOutsideTheCohort() throws Exception {
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      w.append("round_opened", Map.of("job_id", "j", "round", 1, "attempt", 0,
          "cohort", List.of("a")));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> w.append("contribution_accepted", Map.of("job_id", "j", "round", 1,
              "attempt", 0, "participant", "z", "contribution_hash", LedgerFixture.hash("z"))));
      assertTrue(e.getMessage().contains("z is not in the cohort of job j round 1 attempt 0"),
          e.getMessage());
    }
  }

  @Test
  void append_recordsNonFiniteMetricsAsStrings() throws Exception {
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      LedgerRecord r = w.append("metrics_note", Map.of("loss", Double.NaN, "inf",
          Double.POSITIVE_INFINITY, "f", 0.1f, "big", 1e30));
      assertTrue(r.json().contains("\"loss\":\"NaN\""), r.json());
      assertTrue(r.json().contains("\"inf\":\"Infinity\""), r.json());
      assertTrue(r.json().contains("\"f\":0.1,"), r.json());
      assertTrue(r.json().contains("\"big\":1.0E30"), r.json());
    }
    assertTrue(fx.verifyRunning().ok());
  }

  @Test
  void recordsAndSignedHead_verifyAsSentToAnAuditor() throws Exception {
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      fx.writeJobs(w);
      List<LedgerRecord> records = w.records();
      Verification v = LedgerVerifier.verify(records, w.signedHead(), fx.ca.certificate(),
          fx.receipts, fx.verifyClock);
      assertTrue(v.ok(), v.problem());
      assertEquals(11, v.receipts());

      Verification cut = LedgerVerifier.verify(records.subList(0, records.size() - 1),
          w.signedHead(), fx.ca.certificate(), null, fx.verifyClock);
      assertFalse(cut.ok());
      assertTrue(cut.problem().contains("deleted from the end"), cut.problem());
    }
  }

  @Test
  void append_afterCloseIsRefused() throws Exception {
    LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock);
    w.close();
    w.close();
    assertThrows(IllegalStateException.class, () -> w.append("job_submitted", job("j")));
  }

  @Test
  void standardLedger_verifiesAndSignedHeadNamesTheLastSignedRecord() throws Exception {
    fx.writeStandard();
    List<String> lines = Files.readAllLines(fx.ledger);
    String head = Files.readString(LedgerWriter.headFile(fx.ledger)).strip();
    assertTrue(head.contains("\"seq\":" + lines.size() + ","), head);
    X509Certificate ca = fx.ca.certificate();
    assertTrue(LedgerVerifier.verify(fx.ledger, ca, fx.receipts, fx.verifyClock).ok());
  }
}
