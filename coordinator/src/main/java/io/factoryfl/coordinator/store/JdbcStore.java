package io.factoryfl.coordinator.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.factoryfl.core.params.ParameterCodec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The job store in a SQL database: the embedded SQLite file of a data directory ({@link
 * EmbeddedStore}) or a PostgreSQL server. One schema, migrated by Flyway from {@code
 * db/store/<dialect>/} on open; connections from a HikariCP pool, so a database that went away
 * and came back is used again without a restart.
 *
 * <p>Tables: {@code jobs} (one row per job: submission, checkpoint JSON ({@link CheckpointJson}),
 * submission order), {@code job_events} (serialised RoundEvent messages by job and sequence) and
 * {@code job_arrays} (a strategy's state by job, round and name, as little-endian float32) and
 * {@code job_secure_sessions} (the transcript of a job's open secure-aggregation session, a
 * serialised {@code SecureSessionTranscript}, one row per job at most). Each method is one
 * transaction.
 */
public class JdbcStore implements CoordinatorStore, JobStore {
  /** The SQL dialects the store speaks; each has its own migrations. */
  public enum Dialect {
    SQLITE("sqlite"), POSTGRESQL("postgresql");

    private final String folder;

    Dialect(String folder) {
      this.folder = folder;
    }

    String migrations() {
      return "classpath:db/store/" + folder;
    }
  }

  private final HikariDataSource pool;
  private final String description;
  private final StoreFailures failures;

  /**
   * Opens the store on {@code config}'s database and migrates its schema.
   *
   * @param description where the store is, for messages: never a password
   * @throws StoreException naming the store if it cannot be reached or migrated
   */
  protected JdbcStore(HikariConfig config, Dialect dialect, String description, StoreFailures failures) {
    this.description = description;
    this.failures = failures;
    try {
      this.pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw failures.unavailable("open", e);
    }
    try {
      Flyway.configure().dataSource(pool).locations(dialect.migrations()).load().migrate();
    } catch (FlywayException e) {
      pool.close();
      throw new StoreException("cannot migrate the schema of the " + description + ": "
          + e.getMessage().lines().findFirst().orElse("") + ". Check that the database belongs to FactoryFL and"
          + " the coordinator's user may create tables in it", e);
    }
  }

  @Override
  public JobStore jobs() {
    return this;
  }

  @Override
  public String description() {
    return description;
  }

  /** The pool, for subclasses that keep more in the same database. */
  protected HikariDataSource pool() {
    return pool;
  }

  /** Turns a failed operation into a {@link StoreException} naming the store and the fix. */
  protected StoreException failed(String action, SQLException e) {
    return failures.failed(action, e);
  }

  @Override
  public void create(JobSubmission s) {
    inWriteTransaction("record job " + s.jobId(), connection -> {
      try (PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM jobs WHERE job_id = ?")) {
        exists.setString(1, s.jobId());
        try (ResultSet rows = exists.executeQuery()) {
          if (rows.next()) {
            throw new StoreException("job " + s.jobId() + " exists already in the " + description);
          }
        }
      }
      long ordinal;
      try (PreparedStatement max = connection.prepareStatement("SELECT COALESCE(MAX(ordinal), 0) FROM jobs");
          ResultSet rows = max.executeQuery()) {
        rows.next();
        ordinal = rows.getLong(1) + 1;
      }
      try (PreparedStatement insert = connection.prepareStatement("INSERT INTO jobs (job_id, ordinal, name,"
          + " spec_json, spec_hash, submitted_by, submitted_at_ms, checkpoint_json, updated_at_ms)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        insert.setString(1, s.jobId());
        insert.setLong(2, ordinal);
        insert.setString(3, s.name());
        insert.setString(4, s.specJson());
        insert.setString(5, s.specHash());
        insert.setString(6, s.submittedBy());
        insert.setLong(7, s.submittedAt().toEpochMilli());
        insert.setString(8, CheckpointJson.write(JobCheckpoint.submitted()));
        insert.setLong(9, System.currentTimeMillis());
        insert.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public void save(String jobId, JobCheckpoint checkpoint, int round, Map<String, float[]> arrays, int keepFrom) {
    inWriteTransaction("save the checkpoint of job " + jobId, connection -> {
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE jobs SET checkpoint_json = ?, updated_at_ms = ? WHERE job_id = ?")) {
        update.setString(1, CheckpointJson.write(checkpoint));
        update.setLong(2, System.currentTimeMillis());
        update.setString(3, jobId);
        if (update.executeUpdate() != 1) {
          throw new StoreException("no job " + jobId + " in the " + description);
        }
      }
      try (PreparedStatement delete = connection.prepareStatement(
          "DELETE FROM job_arrays WHERE job_id = ? AND (round < ? OR round = ?)")) {
        delete.setString(1, jobId);
        delete.setInt(2, keepFrom);
        delete.setInt(3, arrays.isEmpty() ? Integer.MIN_VALUE : round);
        delete.executeUpdate();
      }
      if (!arrays.isEmpty()) {
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO job_arrays (job_id, round, name, data) VALUES (?, ?, ?, ?)")) {
          for (Map.Entry<String, float[]> array : arrays.entrySet()) {
            insert.setString(1, jobId);
            insert.setInt(2, round);
            insert.setString(3, array.getKey());
            insert.setBytes(4, ParameterCodec.encode(array.getValue()));
            insert.addBatch();
          }
          insert.executeBatch();
        }
      }
      return null;
    });
  }

  @Override
  public Map<String, float[]> arrays(String jobId, int round) {
    return inTransaction("read the strategy state of job " + jobId, connection -> {
      Map<String, float[]> arrays = new HashMap<>();
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT name, data FROM job_arrays WHERE job_id = ? AND round = ?")) {
        select.setString(1, jobId);
        select.setInt(2, round);
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            byte[] data = rows.getBytes(2);
            if (data.length % Float.BYTES != 0) {
              throw new StoreException("the stored state '" + rows.getString(1) + "' of job " + jobId + " round "
                  + round + " in the " + description + " is damaged (" + data.length + " bytes, not whole float32"
                  + " values); restore the store from a backup");
            }
            arrays.put(rows.getString(1), ParameterCodec.decode(data));
          }
        }
      }
      return arrays;
    });
  }

  @Override
  public void appendEvent(String jobId, long sequence, byte[] event) {
    inWriteTransaction("record event " + sequence + " of job " + jobId, connection -> {
      long next;
      try (PreparedStatement max = connection.prepareStatement(
          "SELECT (SELECT COUNT(*) FROM jobs WHERE job_id = ?), COALESCE(MAX(sequence), 0) + 1 FROM job_events"
              + " WHERE job_id = ?")) {
        max.setString(1, jobId);
        max.setString(2, jobId);
        try (ResultSet rows = max.executeQuery()) {
          rows.next();
          if (rows.getLong(1) == 0) {
            throw new StoreException("no job " + jobId + " in the " + description);
          }
          next = rows.getLong(2);
        }
      }
      if (sequence != next) {
        throw new StoreException("event " + sequence + " of job " + jobId + " is not the next one (" + next
            + ") in the " + description);
      }
      try (PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO job_events (job_id, sequence, event) VALUES (?, ?, ?)")) {
        insert.setString(1, jobId);
        insert.setLong(2, sequence);
        insert.setBytes(3, event);
        insert.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public void saveSecureSession(String jobId, byte[] transcript) {
    inWriteTransaction("save the secure-aggregation session of job " + jobId, connection -> {
      try (PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM jobs WHERE job_id = ?")) {
        exists.setString(1, jobId);
        try (ResultSet rows = exists.executeQuery()) {
          if (!rows.next()) {
            throw new StoreException("no job " + jobId + " in the " + description);
          }
        }
      }
      try (PreparedStatement delete = connection.prepareStatement(
          "DELETE FROM job_secure_sessions WHERE job_id = ?")) {
        delete.setString(1, jobId);
        delete.executeUpdate();
      }
      try (PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO job_secure_sessions (job_id, transcript, updated_at_ms) VALUES (?, ?, ?)")) {
        insert.setString(1, jobId);
        insert.setBytes(2, transcript);
        insert.setLong(3, System.currentTimeMillis());
        insert.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public Optional<byte[]> secureSession(String jobId) {
    return inTransaction("read the secure-aggregation session of job " + jobId, connection -> {
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT transcript FROM job_secure_sessions WHERE job_id = ?")) {
        select.setString(1, jobId);
        try (ResultSet rows = select.executeQuery()) {
          return rows.next() ? Optional.of(rows.getBytes(1)) : Optional.empty();
        }
      }
    });
  }

  @Override
  public void clearSecureSession(String jobId) {
    inWriteTransaction("forget the secure-aggregation session of job " + jobId, connection -> {
      try (PreparedStatement delete = connection.prepareStatement(
          "DELETE FROM job_secure_sessions WHERE job_id = ?")) {
        delete.setString(1, jobId);
        delete.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public List<StoredJob> load() {
    return inTransaction("read the jobs", connection -> {
      Map<String, List<byte[]>> events = new HashMap<>();
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT job_id, event FROM job_events ORDER BY job_id, sequence");
          ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          events.computeIfAbsent(rows.getString(1), id -> new ArrayList<>()).add(rows.getBytes(2));
        }
      }
      Map<String, StoredJob> jobs = new LinkedHashMap<>();
      try (PreparedStatement select = connection.prepareStatement("SELECT job_id, name, spec_json, spec_hash,"
          + " submitted_by, submitted_at_ms, checkpoint_json FROM jobs ORDER BY ordinal");
          ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          String id = rows.getString(1);
          JobSubmission submission = new JobSubmission(id, rows.getString(2), rows.getString(3), rows.getString(4),
              rows.getString(5), Instant.ofEpochMilli(rows.getLong(6)));
          JobCheckpoint checkpoint = CheckpointJson.read(rows.getString(7), "job " + id + " in the " + description);
          jobs.put(id, new StoredJob(submission, checkpoint, events.getOrDefault(id, List.of())));
        }
      }
      return new ArrayList<>(jobs.values());
    });
  }

  @Override
  public java.util.Optional<String> unavailable() {
    try (Connection connection = pool.getConnection()) {
      return connection.isValid(2) ? java.util.Optional.empty()
          : java.util.Optional.of("the " + description + " does not answer");
    } catch (SQLException e) {
      return java.util.Optional.of(failed("reach", e).getMessage());
    }
  }

  @Override
  public void close() {
    pool.close();
  }

  /**
   * Called first in the transaction of every write ({@link #create}, {@link #save}, {@link
   * #appendEvent}), on its connection: a subclass refuses the write here by throwing (fencing: a
   * coordinator that lost its lease must not write). Does nothing by default.
   */
  protected void beforeWrite(Connection connection, String action) throws SQLException {}

  /** As {@link #inTransaction}, for a write: {@link #beforeWrite} first (fencing). */
  protected <T> T inWriteTransaction(String action, Work<T> work) {
    return inTransaction(action, connection -> {
      beforeWrite(connection, action);
      return work.run(connection);
    });
  }

  /** One unit of work in a transaction. */
  protected interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws.
   *
   * @param action what the work does, for the message of a failure ("save the checkpoint of job X")
   */
  protected <T> T inTransaction(String action, Work<T> work) {
    try (Connection connection = pool.getConnection()) {
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        try {
          connection.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    } catch (SQLException e) {
      throw failed(action, e);
    }
  }
}
