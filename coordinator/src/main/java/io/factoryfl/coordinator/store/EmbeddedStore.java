package io.factoryfl.coordinator.store;

import com.zaxxer.hikari.HikariConfig;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The default store: a SQLite database file, {@code <data>/coordinator.db}, in the coordinator's
 * data directory, beside the model files ({@code models/}) and round logs ({@code ledgers/}), so
 * the whole coordinator state is one directory to back up. No server to run.
 *
 * <p>SQLite runs in write-ahead-log mode with {@code synchronous=FULL}: a transaction is on disk
 * when it commits, so a crash or power loss keeps every acknowledged write. The data directory is
 * locked ({@code <data>/coordinator.lock}) while the store is open, so a second coordinator on the
 * same directory is refused rather than interleaving writes.
 */
public final class EmbeddedStore extends JdbcStore {
  static final String DATABASE = "coordinator.db";
  static final String LOCK = "coordinator.lock";

  private final FileChannel lockChannel;
  private final FileLock lock;

  private EmbeddedStore(HikariConfig config, String description, StoreFailures failures, FileChannel lockChannel,
      FileLock lock) {
    super(config, Dialect.SQLITE, description, failures);
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Opens (creating) the store in {@code dataDirectory}.
   *
   * @throws StoreException naming the directory if it cannot be created or locked, or another
   *     coordinator uses it
   */
  public static EmbeddedStore open(Path dataDirectory) {
    Path directory = dataDirectory.toAbsolutePath();
    String description = "embedded store in " + directory;
    StoreFailures failures = new StoreFailures(description, "the data directory " + directory);
    FileChannel channel = null;
    try {
      Files.createDirectories(directory);
      channel = FileChannel.open(directory.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new StoreException("the data directory " + directory + " is in use by another coordinator (its "
            + LOCK + " is locked). Stop that coordinator, or give this one another --data directory");
      }
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl("jdbc:sqlite:" + directory.resolve(DATABASE));
      config.setPoolName("factoryfl-embedded-store");
      // SQLite serialises writers; one connection keeps every transaction in order
      config.setMaximumPoolSize(1);
      config.setConnectionTimeout(30_000);
      config.addDataSourceProperty("journal_mode", "WAL");
      config.addDataSourceProperty("synchronous", "FULL");
      config.addDataSourceProperty("foreign_keys", "true");
      config.addDataSourceProperty("busy_timeout", "10000");
      EmbeddedStore store = new EmbeddedStore(config, description, failures, channel, lock);
      channel = null;
      return store;
    } catch (IOException e) {
      throw new StoreException("cannot open the " + description + ": " + e.getMessage() + ". Check that the"
          + " directory exists and is writable for the coordinator's user", e);
    } finally {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // the open failed already; that is the error to report
        }
      }
    }
  }

  @Override
  public void close() {
    try {
      super.close();
    } finally {
      try {
        if (lock.isValid()) {
          lock.release();
        }
        lockChannel.close();
      } catch (IOException e) {
        // the lock goes with the process anyway
      }
    }
  }
}
