package io.factoryfl.coordinator.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.sql.SQLException;
import java.util.Locale;

/**
 * Says what a failed store operation means for the operator: which resource (the data directory's
 * disk, the database server) and what to do. One place for these messages, so every caller (job
 * runs, admin calls, startup) says the same thing; secrets (a database password) never appear.
 */
public final class StoreFailures {
  private final String description;
  private final String location;

  /**
   * @param description the store, e.g. "embedded store in /var/lib/factoryfl"
   * @param location the resource to fix: the directory, or the database server without credentials
   */
  public StoreFailures(String description, String location) {
    this.description = description;
    this.location = location;
  }

  /** {@code action} (e.g. "save the checkpoint of job X") failed with {@code e}. */
  public StoreException failed(String action, SQLException e) {
    return new StoreException("cannot " + action + " in the " + description + ": " + cause(e), e);
  }

  /** {@code action} on the files under this store's location failed with {@code e}. */
  public StoreException failed(String action, IOException e) {
    return files(action, description, location, e);
  }

  /**
   * {@code action} (e.g. "store model X") on the files under {@code location} failed with {@code
   * e}: a full disk or a directory the coordinator cannot write is named as such, with the fix.
   *
   * @param description what the files are, e.g. "model store in /var/lib/factoryfl/models"
   */
  public static StoreException files(String action, String description, String location, IOException e) {
    if (e.getCause() instanceof StoreException store) {
      return store; // a database's own failure, already explained
    }
    String reason = e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason()
        : firstLine(e.getMessage());
    String lower = reason.toLowerCase(Locale.ROOT);
    String cause;
    if (lower.contains("no space left") || lower.contains("disk quota")) {
      cause = "the disk holding " + location + " is full. Free space there; new jobs work again without a restart";
    } else if (e instanceof AccessDeniedException || lower.contains("read-only file system")
        || lower.contains("operation not permitted") || lower.contains("permission denied")) {
      cause = location + " is read-only or not writable by the coordinator's user (" + reason + "). Make it"
          + " writable; new jobs work again without a restart";
    } else {
      cause = reason + " (" + e.getClass().getSimpleName() + ")";
    }
    return new StoreException("cannot " + action + " in the " + description + ": " + cause, e);
  }

  /** The store could not be opened. */
  public StoreException unavailable(String action, RuntimeException e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String cause = root instanceof SQLException sql ? cause(sql) : "the database could not be reached ("
        + firstLine(root.getMessage()) + "); check that " + location + " is up and reachable";
    return new StoreException("cannot " + action + " the " + description + ": " + cause, e);
  }

  private String cause(SQLException e) {
    String text = firstLine(e.getMessage());
    String lower = text.toLowerCase(Locale.ROOT);
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (lower.contains("sqlite_full") || lower.contains("disk is full") || lower.contains("no space")
        || state.equals("53100")) {
      return "the disk holding " + location + " is full. Free space there; the coordinator uses the store again"
          + " without a restart";
    }
    if (lower.contains("readonly") || lower.contains("read-only") || lower.contains("read only")
        || state.equals("25006")) {
      return location + " is read-only. Make it writable for the coordinator's user; the coordinator uses the"
          + " store again without a restart";
    }
    if (state.startsWith("08") || lower.contains("connection is not available") || lower.contains("connection refused")
        || lower.contains("timed out")) {
      return "the database at " + location + " cannot be reached (" + text + "). Check that it runs and accepts"
          + " connections; the coordinator reconnects by itself";
    }
    if (lower.contains("sqlite_corrupt") || lower.contains("malformed") || lower.contains("sqlite_notadb")) {
      return "the database file in " + location + " is damaged (" + text + "). Stop the coordinator and restore"
          + " the data directory from a backup";
    }
    return text;
  }

  private static String firstLine(String text) {
    return text == null ? "no detail" : text.lines().findFirst().orElse("no detail");
  }
}
