package io.factoryfl.core.security;

import io.factoryfl.core.io.AtomicFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Plumbing for the JSON state files the CA keeps next to its key ({@link EnrolmentTokens},
 * {@link CertificateLog}, {@link RevocationList}).
 *
 * <p>Every read-modify-write of any of them runs under one lock per CA directory: an in-JVM
 * reentrant lock (so nested updates, e.g. recording a certificate while redeeming a token, work)
 * plus an exclusive OS file lock on {@value #LOCK_FILE}, because {@code factoryfl ca} commands
 * and a coordinator may update the same directory from different processes. Files are replaced
 * by writing a temporary sibling and renaming it over the target, so a reader never sees half a
 * file.
 */
final class CaFiles {

  /** The lock file in the CA directory; its content is irrelevant. */
  static final String LOCK_FILE = "ca.lock";
  /** How long to wait for another process or thread to release the CA directory lock. */
  static final Duration LOCK_WAIT = Duration.ofSeconds(10);
  private static final long FILE_LOCK_POLL_MILLIS = 20;

  static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private static final ConcurrentMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  private CaFiles() {}

  /** An action on the CA directory that may fail with an I/O error. */
  @FunctionalInterface
  interface IoAction<T> {
    T run() throws IOException;
  }

  /**
   * Runs {@code action} holding the CA directory lock.
   *
   * @throws IOException if the lock cannot be had within {@link #LOCK_WAIT}, naming the lock
   *     file, or whatever the action throws
   */
  static <T> T locked(Path dir, IoAction<T> action) throws IOException {
    Path key = canonical(dir);
    ReentrantLock lock = LOCKS.computeIfAbsent(key, k -> new ReentrantLock());
    try {
      if (!lock.tryLock(LOCK_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IOException("timed out after " + LOCK_WAIT.toSeconds() + " s waiting for the"
            + " lock on CA directory " + dir + " held by another thread of this process");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the lock on CA directory " + dir, e);
    }
    try {
      if (lock.getHoldCount() > 1) {
        return action.run();
      }
      Path lockFile = key.resolve(LOCK_FILE);
      try (FileChannel channel = FileChannel.open(lockFile,
              StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock ignored = acquire(channel, lockFile)) {
        return action.run();
      }
    } finally {
      lock.unlock();
    }
  }

  private static FileLock acquire(FileChannel channel, Path lockFile) throws IOException {
    long attempts = LOCK_WAIT.toMillis() / FILE_LOCK_POLL_MILLIS;
    for (long i = 0; i < attempts; i++) {
      try {
        FileLock lock = channel.tryLock();
        if (lock != null) {
          return lock;
        }
      } catch (OverlappingFileLockException e) {
        // another thread of this JVM reached the same directory by a different path
      }
      try {
        Thread.sleep(FILE_LOCK_POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for " + lockFile, e);
      }
    }
    throw new IOException("timed out after " + LOCK_WAIT.toSeconds() + " s waiting for "
        + lockFile + ", held by another process (a running 'factoryfl ca' command or a"
        + " coordinator with --ca-dir); try again when it has finished");
  }

  private static Path canonical(Path dir) throws IOException {
    try {
      return dir.toRealPath();
    } catch (NoSuchFileException e) {
      throw new IOException("CA directory " + dir + " does not exist; create the CA with"
          + " 'factoryfl ca init --dir " + dir + "'", e);
    }
  }

  /** The parsed JSON of {@code file}, or null if it does not exist. */
  static JsonNode readOrNull(Path file) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    }
    try {
      JsonNode root = JSON.readTree(bytes);
      if (root == null || !root.isObject()) {
        throw new IOException(file + " does not hold a JSON object");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw new IOException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Replaces {@code file} with {@code root}, via a temporary sibling and an atomic rename. */
  static void writeAtomically(Path file, JsonNode root) throws IOException {
    AtomicFiles.write(file, JSON.writeValueAsBytes(root), null);
  }


  /** Checks the {@code version} field of a state file ({@code file} names it in messages). */
  static void requireVersion(JsonNode root, int expected, Object file) throws IOException {
    int version = root.path("version").asInt(-1);
    if (version != expected) {
      throw new IOException(file + " has version " + root.path("version")
          + "; this FactoryFL reads version " + expected);
    }
  }

  static String text(JsonNode node, String field, Object file) throws IOException {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || value.asText().isEmpty()) {
      throw new IOException(file + ": entry " + node + " lacks the text field '" + field + "'");
    }
    return value.asText();
  }

  static Instant instant(JsonNode node, String field, Object file) throws IOException {
    String value = text(node, field, file);
    try {
      return Instant.parse(value);
    } catch (DateTimeException e) {
      throw new IOException(file + ": field '" + field + "' is '" + value
          + "', not an ISO-8601 instant such as 2025-06-01T12:00:00Z", e);
    }
  }

  static Role role(JsonNode node, String field, Object file) throws IOException {
    String value = text(node, field, file);
    try {
      return Role.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }
}
