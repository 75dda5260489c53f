package io.factoryfl.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.ledger.LedgerRecord;
import io.factoryfl.core.ledger.LedgerVerifier;
import io.factoryfl.core.ledger.LedgerWriter;
import io.factoryfl.core.ledger.Verification;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every {@link RoundLogStore} promises: logs that survive a restart and verify as written. */
abstract class RoundLogStoreContract {
  static final String JOB = "job-0123456789ab";
  static CertificateAuthority ca;
  static SigningIdentity coordinator;

  @TempDir Path scratch;

  @BeforeAll
  static void identities() throws Exception {
    ca = CertificateAuthority.create("round-logs", Clock.systemUTC(), Duration.ofDays(2), new SecureRandom());
    coordinator = SigningIdentity.of(ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1),
        List.of("localhost")));
  }

  /** A new, empty store. */
  abstract RoundLogStore open();

  /** The same store, opened again as a restarted (or standby) coordinator would. */
  abstract RoundLogStore reopen();

  static void writeAJob(LedgerWriter ledger) throws IOException {
    startAJob(ledger);
    finishTheJob(ledger);
  }

  static void startAJob(LedgerWriter ledger) throws IOException {
    ledger.append("job_submitted", Map.of("job_id", JOB, "name", "n", "spec_hash", "0".repeat(64), "by", "e"));
    ledger.append("admin_action", Map.of("job_id", JOB, "by", "e", "action", "paused"));
  }

  static void finishTheJob(LedgerWriter ledger) throws IOException {
    ledger.appendSigned("job_finished", Map.of("job_id", JOB, "state", "CANCELLED", "message", "m",
        "model_hash", ""));
  }

  /** The copy an auditor downloads, written as files and verified offline as {@code audit verify} does. */
  Verification verifyCopy(RoundLogStore.Copy copy) throws IOException {
    Path file = scratch.resolve("copy.jsonl");
    Files.write(file, copy.lines(), StandardCharsets.UTF_8);
    Files.writeString(LedgerWriter.headFile(file), copy.head() + "\n", StandardCharsets.UTF_8);
    return LedgerVerifier.verify(file, ca.certificate(), null, Clock.systemUTC());
  }

  @Test
  void aLog_survivesARestart_isReopenedWithARecord_andItsCopyVerifies() throws Exception {
    try (LedgerWriter ledger = LedgerWriter.open(open().open(JOB), coordinator, Clock.systemUTC())) {
      startAJob(ledger); // unsigned records only: a crash here keeps them
    }
    RoundLogStore restarted = reopen();
    try (LedgerWriter ledger = LedgerWriter.open(restarted.open(JOB), coordinator, Clock.systemUTC())) {
      assertEquals(List.of("ledger_opened", "job_submitted", "admin_action", "ledger_reopened"),
          ledger.records().stream().map(LedgerRecord::type).toList());
      finishTheJob(ledger);
    }

    RoundLogStore.Copy copy = restarted.read(JOB).orElseThrow();

    assertEquals(5, copy.lines().size());
    Verification verification = verifyCopy(copy);
    assertTrue(verification.ok(), verification.problem());
  }

  @Test
  void aSecondWriter_isRefusedWhileTheFirstHasTheLogOpen_andWelcomeAfter() throws Exception {
    RoundLogStore logs = open();
    LedgerWriter first = LedgerWriter.open(logs.open(JOB), coordinator, Clock.systemUTC());
    IOException e = assertThrows(IOException.class, () -> LedgerWriter.open(logs.open(JOB), coordinator,
        Clock.systemUTC()).close());
    assertTrue(e.getMessage().contains("already open for writing"), e.getMessage());
    first.close();
    LedgerWriter.open(logs.open(JOB), coordinator, Clock.systemUTC()).close();
  }

  @Test
  void aJobWithoutALog_hasNoCopy() throws Exception {
    assertEquals(Optional.empty(), open().read("job-ffffffffffff"));
  }
}
