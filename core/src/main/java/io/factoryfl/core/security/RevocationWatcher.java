package io.factoryfl.core.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Keeps a {@link RevocationList} current with its file, so a server picks up {@code ca revoke}
 * without a restart.
 *
 * <p>{@link #current()} looks at the file's identity, modification time and size at most once
 * per {@code recheck} interval (measured on the injected clock) and reloads it when any of them
 * changed; {@code ca revoke} replaces the file by rename, so every update changes its identity
 * even when the modification time is coarse. A file that becomes unreadable or damaged is not
 * silently ignored: {@link #current()} fails until it is fixed, so callers can refuse service
 * rather than let a revoked certificate in. Thread-safe; the common path takes no lock.
 */
public final class RevocationWatcher implements RevocationSource {

  /** How often the file is looked at by default. */
  public static final Duration DEFAULT_RECHECK = Duration.ofSeconds(1);

  private final Path file;
  private final Clock clock;
  private final Duration recheck;
  private volatile State state;

  /**
   * Loads {@code file} now.
   *
   * @param file the revocation list, normally {@code CA_DIR/}{@value RevocationList#FILE}; a
   *     missing file revokes nothing until it appears
   * @param recheck how long a look at the file stays good; zero looks on every call
   * @throws IOException naming the file if it exists but cannot be read as a revocation list
   */
  public RevocationWatcher(Path file, Clock clock, Duration recheck) throws IOException {
    this.file = Objects.requireNonNull(file, "file");
    this.clock = Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(recheck, "recheck");
    if (recheck.isNegative()) {
      throw new IllegalArgumentException("recheck interval must not be negative, got " + recheck);
    }
    this.recheck = recheck;
    Stamp stamp = stamp(file);
    this.state = new State(RevocationList.load(file), null, stamp, clock.instant());
  }

  /** The file being watched. */
  public Path file() {
    return file;
  }

  /**
   * The revocation list as the file says now (give or take the recheck interval).
   *
   * @throws IOException naming the file while it cannot be read as a revocation list
   */
  @Override
  public RevocationList current() throws IOException {
    State seen = state;
    if (clock.instant().isBefore(seen.checkedAt.plus(recheck))) {
      return seen.get();
    }
    return refresh().get();
  }

  private synchronized State refresh() {
    Instant now = clock.instant();
    State seen = state;
    if (now.isBefore(seen.checkedAt.plus(recheck))) {
      return seen;
    }
    Stamp stamp;
    try {
      stamp = stamp(file);
    } catch (IOException e) {
      state = new State(seen.list, e, null, now);
      return state;
    }
    if (stamp != null && stamp.equals(seen.stamp) && seen.failure == null) {
      state = new State(seen.list, null, stamp, now);
      return state;
    }
    try {
      state = new State(RevocationList.load(file), null, stamp, now);
    } catch (IOException e) {
      state = new State(seen.list, e, stamp, now);
    }
    return state;
  }

  private static Stamp stamp(Path file) throws IOException {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      return new Stamp(attributes.fileKey(), attributes.lastModifiedTime(), attributes.size());
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** What identifies one version of the file. */
  private record Stamp(Object fileKey, FileTime modified, long size) {}

  /** One look at the file: the list it gave, or why it could not be read. */
  private record State(RevocationList list, IOException failure, Stamp stamp, Instant checkedAt) {
    RevocationList get() throws IOException {
      if (failure != null) {
        throw new IOException("revocation list unusable: " + failure.getMessage(), failure);
      }
      return list;
    }
  }

  @Override
  public String toString() {
    return "RevocationWatcher[" + file + ", recheck=" + recheck + "]";
  }
}
