package io.factoryfl.coordinator.store;

import io.factoryfl.core.ledger.LedgerStorage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Round logs in the PostgreSQL store (tables {@code round_log_lines} and {@code round_log_heads},
 * migration V4): one row per line, numbered from 1, and one row for the signed head. Every write
 * is fenced like the store's others, so a coordinator that lost its lease cannot add a record;
 * and as the line number is the key, two writers can never interleave lines.
 *
 * <p>An unsigned line is committed without waiting for the server's disk ({@code
 * synchronous_commit} off for that transaction): it survives a crash of the coordinator, and a
 * crash of the database server may lose it until the next signed line, as a file's page cache
 * would. A signed line and its head are committed together, durably.
 */
final class PostgresRoundLogs implements RoundLogStore {
  private final JdbcStore store;
  private final Set<String> open = ConcurrentHashMap.newKeySet();

  PostgresRoundLogs(JdbcStore store) {
    this.store = store;
  }

  @Override
  public LedgerStorage open(String jobId) throws IOException {
    if (!open.add(jobId)) {
      throw new IOException(name(jobId) + " is already open for writing; only one writer may append to it");
    }
    return new Storage(jobId);
  }

  @Override
  public Optional<Copy> read(String jobId) throws IOException {
    return call(() -> store.inTransaction("read " + name(jobId), connection -> {
      List<String> lines = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT line FROM round_log_lines WHERE job_id = ? ORDER BY seq")) {
        select.setString(1, jobId);
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            lines.add(new String(rows.getBytes(1), StandardCharsets.UTF_8));
          }
        }
      }
      String head = head(connection, jobId);
      return lines.isEmpty() && head == null ? Optional.<Copy>empty() : Optional.of(new Copy(lines, head));
    }));
  }

  private String name(String jobId) {
    return "the round log of job " + jobId + " in the " + store.description();
  }

  private static String head(java.sql.Connection connection, String jobId) throws java.sql.SQLException {
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT head FROM round_log_heads WHERE job_id = ?")) {
      select.setString(1, jobId);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? rows.getString(1) : null;
      }
    }
  }

  /** Runs a store call, turning its {@link StoreException} into the IOException a ledger storage throws. */
  private static <T> T call(java.util.function.Supplier<T> work) throws IOException {
    try {
      return work.get();
    } catch (StoreException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /** One job's round log, open for its writer. */
  private final class Storage implements LedgerStorage {
    private final String jobId;
    private long lines;
    private boolean closed;

    Storage(String jobId) {
      this.jobId = jobId;
    }

    @Override
    public synchronized byte[] read() throws IOException {
      return call(() -> store.inTransaction("read " + name(), connection -> {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        long count = 0;
        try (PreparedStatement select = connection.prepareStatement(
            "SELECT seq, line FROM round_log_lines WHERE job_id = ? ORDER BY seq")) {
          select.setString(1, jobId);
          try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
              if (rows.getLong(1) != ++count) {
                throw new StoreException(name() + " has no line " + count + " (the next is "
                    + rows.getLong(1) + "): lines were deleted. Restore the database from a backup");
              }
              content.writeBytes(rows.getBytes(2));
              content.write('\n');
            }
          }
        }
        lines = count;
        return content.toByteArray();
      }));
    }

    @Override
    public synchronized String head() throws IOException {
      return call(() -> store.inTransaction("read the signed head of " + name(),
          connection -> PostgresRoundLogs.head(connection, jobId)));
    }

    @Override
    public void truncate(long length) throws IOException {
      // rows hold whole lines: a write is committed whole or not at all, so no line is ever torn
      throw new IOException(name() + " cannot be cut to " + length + " bytes: its lines are whole rows");
    }

    @Override
    public synchronized void append(byte[] line) throws IOException {
      insert(line, null);
    }

    @Override
    public synchronized void appendSigned(byte[] line, String head) throws IOException {
      insert(line, head);
    }

    private void insert(byte[] line, String head) throws IOException {
      if (closed) {
        throw new IOException(name() + " is closed");
      }
      long seq = lines + 1;
      call(() -> store.inWriteTransaction("append record " + seq + " to " + name(), connection -> {
        if (head == null) {
          try (Statement relaxed = connection.createStatement()) {
            relaxed.execute("SET LOCAL synchronous_commit TO OFF");
          }
        }
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO round_log_lines (job_id, seq, line) VALUES (?, ?, ?)")) {
          insert.setString(1, jobId);
          insert.setLong(2, seq);
          // the line without its newline: rows are lines
          insert.setBytes(3, java.util.Arrays.copyOf(line, line.length - 1));
          insert.executeUpdate();
        }
        if (head != null) {
          try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO round_log_heads (job_id, head)"
              + " VALUES (?, ?) ON CONFLICT (job_id) DO UPDATE SET head = EXCLUDED.head")) {
            upsert.setString(1, jobId);
            upsert.setString(2, head);
            upsert.executeUpdate();
          }
        }
        return null;
      }));
      lines = seq;
    }

    @Override
    public String name() {
      return PostgresRoundLogs.this.name(jobId);
    }

    @Override
    public String headName() {
      return "its signed head";
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        open.remove(jobId);
      }
    }
  }
}
