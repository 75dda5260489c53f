package io.factoryfl.core.ledger;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ledger in a file, with its signed head in {@code <ledger>.head} beside it. The file is locked
 * while open, so a second writer (in this or another process) is refused.
 *
 * <p>Writes go through {@link RandomAccessFile}, not an interruptible channel: a thread
 * interrupted while it writes (a job cancelled, a coordinator shutting down) does not close the
 * file under the writer, so a cancelled job can still write its last records.
 */
public final class FileLedgerStorage implements LedgerStorage {
  private static final Logger log = LoggerFactory.getLogger(FileLedgerStorage.class);

  private final Path file;
  private final Path headFile;
  private final RandomAccessFile content;
  private final FileLock lock;

  private FileLedgerStorage(Path file, RandomAccessFile content, FileLock lock) {
    this.file = file;
    this.headFile = LedgerHead.fileOf(file);
    this.content = content;
    this.lock = lock;
  }

  /**
   * Opens (creating) the ledger file and its directory, and locks it.
   *
   * @throws IOException if it cannot be opened, or another writer has it open
   */
  public static FileLedgerStorage open(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    RandomAccessFile content = new RandomAccessFile(file.toFile(), "rw");
    boolean done = false;
    try {
      FileLock lock;
      try {
        lock = content.getChannel().tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new IOException("ledger " + file + " is already open for writing (by this or"
            + " another coordinator process); only one writer may append to it");
      }
      done = true;
      return new FileLedgerStorage(file, content, lock);
    } finally {
      if (!done) {
        content.close();
      }
    }
  }

  /** The ledger file. */
  public Path file() {
    return file;
  }

  @Override
  public byte[] read() throws IOException {
    long size = content.length();
    if (size > Integer.MAX_VALUE - 16) {
      throw new IOException("ledger " + file + " of " + size + " bytes is too large to read into memory");
    }
    byte[] bytes = new byte[(int) size];
    content.seek(0);
    content.readFully(bytes);
    return bytes;
  }

  @Override
  public String head() throws IOException {
    try {
      return Files.readString(headFile, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  @Override
  public void truncate(long length) throws IOException {
    content.setLength(length);
    content.getFD().sync();
    content.seek(length);
  }

  @Override
  public void append(byte[] line) throws IOException {
    content.write(line);
  }

  @Override
  public void appendSigned(byte[] line, String head) throws IOException {
    content.write(line);
    content.getFD().sync();
    writeHead(head);
  }

  @Override
  public String name() {
    return file.toString();
  }

  @Override
  public String headName() {
    return headFile.toString();
  }

  private void writeHead(String line) throws IOException {
    Path tmp = headFile.resolveSibling(headFile.getFileName() + ".tmp");
    try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      out.getFD().sync();
    }
    try {
      Files.move(tmp, headFile, StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, headFile, StandardCopyOption.REPLACE_EXISTING);
    }
    forceDirectory(headFile.toAbsolutePath().getParent());
  }

  /** Makes a rename durable; directories cannot be opened for sync on every platform. */
  private static void forceDirectory(Path dir) {
    if (dir == null) {
      return;
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      log.debug("cannot fsync directory {}: {}", dir, e.toString());
    }
  }

  /** Releases the file lock and closes the file. Idempotent. */
  @Override
  public void close() throws IOException {
    try {
      if (lock.isValid()) {
        lock.release();
      }
    } finally {
      content.close();
    }
  }

  @Override
  public String toString() {
    return "FileLedgerStorage[" + file + "]";
  }
}
