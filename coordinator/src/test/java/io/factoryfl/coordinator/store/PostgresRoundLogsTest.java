package io.factoryfl.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.testing.PostgresServer;
import io.factoryfl.coordinator.testing.PostgresServerExtension;
import io.factoryfl.core.ledger.LedgerWriter;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The round-log contract on a real PostgreSQL server, so a standby coordinator carries on the logs
 * of the active one without a shared disk; rows deleted or changed in the database are caught when
 * the log is reopened, and a deposed coordinator cannot append.
 */
@ExtendWith(PostgresServerExtension.class)
class PostgresRoundLogsTest extends RoundLogStoreContract {
  private final PostgresDatabase database;

  PostgresRoundLogsTest(PostgresServer server) {
    this.database = new PostgresDatabase(server);
  }

  @AfterEach
  void closeStores() {
    database.close();
  }

  @Override
  RoundLogStore open() {
    return database.fresh().roundLogs(PostgresDatabase.NO_DATA_DIRECTORY);
  }

  @Override
  RoundLogStore reopen() {
    return database.open().roundLogs(PostgresDatabase.NO_DATA_DIRECTORY);
  }

  private void writeAJobLog() throws IOException {
    try (LedgerWriter ledger = LedgerWriter.open(open().open(JOB), coordinator, Clock.systemUTC())) {
      writeAJob(ledger);
    }
  }

  @Test
  void aLineDeletedInTheDatabase_isRefusedWhenTheLogIsReopened() throws Exception {
    writeAJobLog();
    database.execute("DELETE FROM round_log_lines WHERE job_id = '" + JOB + "' AND seq = 2");

    IOException e = assertThrows(IOException.class,
        () -> LedgerWriter.open(reopen().open(JOB), coordinator, Clock.systemUTC()));

    assertTrue(e.getMessage().contains("the round log of job " + JOB + " in the PostgreSQL store")
        && e.getMessage().contains("has no line 2 (the next is 3): lines were deleted"), e.getMessage());
  }

  @Test
  void recordsDeletedFromTheEnd_areCaughtByTheSignedHead() throws Exception {
    writeAJobLog();
    database.execute("DELETE FROM round_log_lines WHERE job_id = '" + JOB + "' AND seq = 4");

    IOException e = assertThrows(IOException.class,
        () -> LedgerWriter.open(reopen().open(JOB), coordinator, Clock.systemUTC()));

    assertTrue(e.getMessage().contains("records were deleted from its end"), e.getMessage());
    assertTrue(!verifyCopy(reopen().read(JOB).orElseThrow()).ok(), "audit verify catches it too");
  }

  @Test
  void aDeposedCoordinator_cannotAppend_andItsWriterRefusesFromThenOn() throws Exception {
    PostgresStore active = database.fresh();
    RoundLogStore logs = active.roundLogs(PostgresDatabase.NO_DATA_DIRECTORY);
    LeaseSettings a = new LeaseSettings("coordinator-a", Duration.ofSeconds(1), Duration.ofMillis(200),
        Duration.ofMillis(100));
    java.util.concurrent.ScheduledExecutorService renewals = CoordinatorLease.renewalThread();
    active.lease(a, renewals, Clock.systemUTC()).acquire();
    LedgerWriter ledger = LedgerWriter.open(logs.open(JOB), coordinator, Clock.systemUTC());
    ledger.append("job_submitted", Map.of("job_id", JOB, "name", "n", "spec_hash", "0".repeat(64), "by", "e"));
    PostgresStore standby = database.open();
    CoordinatorLease taken = standby.lease(new LeaseSettings("coordinator-b", Duration.ofSeconds(1),
        Duration.ofMillis(200), Duration.ofMillis(100)));
    renewals.shutdownNow(); // the active one freezes: its lease runs out
    assertTrue(taken.acquire(Duration.ofSeconds(10)), "the standby takes over the expired lease");

    IOException e = assertThrows(IOException.class, () -> ledger.appendSigned("job_finished",
        Map.of("job_id", JOB, "state", "CANCELLED", "message", "m", "model_hash", "")));

    assertTrue(e.getMessage().contains("coordinator-a") && e.getMessage().contains("lease"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> ledger.append("admin_action",
        Map.of("job_id", JOB, "by", "e", "action", "x")));
    ledger.close();
    assertEquals(List.of("ledger_opened", "job_submitted"), standby.roundLogs(PostgresDatabase.NO_DATA_DIRECTORY).read(JOB)
        .orElseThrow().lines().stream().map(line -> line.replaceAll(".*\"type\":\"([a-z_]+)\".*", "$1")).toList());
  }
}
