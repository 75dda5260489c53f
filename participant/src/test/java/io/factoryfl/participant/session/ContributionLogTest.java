package io.factoryfl.participant.session;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.secagg.ContributionRule;
import io.factoryfl.core.secagg.SecAggException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site's record of the masked inputs it sent: one per base model and per (job, round), on disk
 * before the input leaves, read back after a restart, and failing closed when it cannot be read.
 */
class ContributionLogTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-07T10:15:30Z"), ZoneOffset.UTC);

  @TempDir Path dir;

  private ContributionLog log() {
    return ContributionLog.open(dir.resolve("receipts.secagg-contributions.log"), CLOCK);
  }

  @Test
  void aSecondMaskedInputForTheSameRound_isRefusedNamingJobRoundAndModel() {
    ContributionLog log = log();
    log.record("plant-a", "job-1", 3, "base-x", "job-1/r3/a1", "b1");

    SecAggException e = assertThrows(SecAggException.class,
        () -> log.record("plant-a", "job-1", 3, "base-y", "job-1/r3/a2", "b1"));
    assertTrue(e.getMessage().contains(ContributionRule.REFUSAL), e.getMessage());
    assertTrue(e.getMessage().contains("job job-1 round 3"), e.getMessage());
    assertTrue(e.getMessage().contains("base-x"), e.getMessage());
    assertTrue(e.getMessage().contains("job-1/r3/a1"), e.getMessage());
  }

  @Test
  void theSameBaseModel_isRefusedInAnotherRoundOrJob() {
    ContributionLog log = log();
    log.record("plant-a", "job-1", 3, "base-x", "job-1/r3/a1", "b1");

    SecAggException bumped = assertThrows(SecAggException.class,
        () -> log.requireNone("plant-a", "job-1", 4, "base-x"));
    assertTrue(bumped.getMessage().contains("trained from model base-x (in job job-1 round 3)"), bumped.getMessage());
    assertThrows(SecAggException.class, () -> log.requireNone("plant-a", "job-2", 1, "base-x"));
  }

  @Test
  void theNextRoundFromANewModel_isAllowed() {
    ContributionLog log = log();
    log.record("plant-a", "job-1", 3, "base-x", "job-1/r3/a1", "b1");

    assertDoesNotThrow(() -> log.record("plant-a", "job-1", 4, "base-y", "job-1/r4/a1", "b2"));
    assertDoesNotThrow(() -> log.requireNone("plant-b", "job-1", 3, "base-x"), "another site's record");
  }

  @Test
  void theRecord_survivesARestart() throws Exception {
    log().record("plant-a", "job-1", 3, "base-x", "job-1/r3/a1", "b1");

    List<String> lines = Files.readAllLines(dir.resolve("receipts.secagg-contributions.log"));
    assertEquals(1, lines.size());
    assertTrue(lines.get(0).contains("\"at\":\"2025-01-07T10:15:30Z\""), lines.get(0));
    ContributionLog restarted = log();
    assertThrows(SecAggException.class, () -> restarted.requireNone("plant-a", "job-1", 3, "base-z"));
  }

  @Test
  void aTornLastLine_isIgnoredAndCutOffByTheNextRecord() throws Exception {
    Path file = dir.resolve("receipts.secagg-contributions.log");
    log().record("plant-a", "job-1", 1, "base-1", "job-1/r1/a1", "b1");
    Files.writeString(file, "{\"site\":\"plant-a\",\"job\":\"job-1\",\"rou", StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);

    ContributionLog restarted = log();
    restarted.record("plant-a", "job-1", 2, "base-2", "job-1/r2/a1", "b2");
    List<String> lines = Files.readAllLines(file);
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(1).contains("\"round\":2"), lines.get(1));
  }

  @Test
  void anUnreadableRecord_failsClosedWithoutNamingLocalPaths() throws Exception {
    Files.writeString(dir.resolve("receipts.secagg-contributions.log"), "not json\n");

    SecAggException e = assertThrows(SecAggException.class,
        () -> log().requireNone("plant-a", "job-1", 1, "base-1"));
    assertTrue(e.getMessage().contains("unreadable"), e.getMessage());
    assertTrue(!e.getMessage().contains(dir.toString()), e.getMessage());
  }

  @Test
  void theFile_sitsBesideTheReceiptLogButIsNotAReceiptLog() {
    assertEquals(dir.resolve("factory-1.secagg-contributions.log"),
        ContributionLog.besideReceipts(dir.resolve("factory-1.jsonl")));
  }

  @Test
  void aCompleteLastRecordWithoutItsNewline_stillCounts_andIsKeptByTheNextAppend() throws Exception {
    Path file = dir.resolve("receipts.secagg-contributions.log");
    log().record("plant-a", "job-1", 3, "base-x", "job-1/r3/a1", "b1");
    // plant IT's editor dropped the final newline
    Files.writeString(file, Files.readString(file, StandardCharsets.UTF_8).strip(), StandardCharsets.UTF_8);

    ContributionLog reopened = log();
    assertThrows(SecAggException.class, () -> reopened.requireNone("plant-a", "job-1", 3, "base-y"));
    reopened.record("plant-a", "job-2", 1, "base-z", "job-2/r1/a1", "b2");
    assertThrows(SecAggException.class, () -> log().requireNone("plant-a", "job-1", 3, "base-y"),
        "the earlier record survived the append");
  }

  @Test
  void twoProcessesOnOneFile_cannotBothRecordForOneKey() {
    ContributionLog first = log();
    ContributionLog second = log();
    first.requireNone("plant-a", "job-1", 3, "base-x");
    second.requireNone("plant-a", "job-1", 3, "base-x");

    second.record("plant-a", "job-1", 3, "base-x", "job-1/r3/a2", "b1");

    assertThrows(SecAggException.class,
        () -> first.record("plant-a", "job-1", 3, "base-x", "job-1/r3/a1", "b1"),
        "the append re-reads the file under its lock and sees the other process's record");
  }
}
