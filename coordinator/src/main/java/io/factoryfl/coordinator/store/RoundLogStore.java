package io.factoryfl.coordinator.store;

import io.factoryfl.core.ledger.LedgerStorage;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Where the coordinator keeps the jobs' round logs (their {@link LedgerStorage}): files in the
 * data directory ({@link FileRoundLogs}) or rows of the PostgreSQL store ({@link
 * PostgresRoundLogs}). Either way an auditor gets a log byte for byte as written.
 */
public interface RoundLogStore {
  /**
   * Opens the round log of {@code jobId} for its one writer (created if new).
   *
   * @throws IOException naming the log if it cannot be opened or another writer has it open
   */
  LedgerStorage open(String jobId) throws IOException;

  /**
   * The round log of {@code jobId} as written so far, for auditors; empty if the job has none.
   *
   * @throws IOException naming the log if it cannot be read
   */
  Optional<Copy> read(String jobId) throws IOException;

  /**
   * A round log as stored: its lines (without newlines) and its signed head line (empty if none
   * was written yet).
   */
  record Copy(List<String> lines, String head) {
    public Copy {
      lines = List.copyOf(lines);
      head = head == null ? "" : head.strip();
    }
  }
}
