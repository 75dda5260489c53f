package io.factoryfl.core.ledger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A participant's local, append-only file of {@link Receipt}s: one {@link Receipt#toJson()} line
 * each, forced to disk before {@link #append} returns. Name it {@code *.jsonl} so that {@code
 * audit verify --receipts DIR} finds it.
 *
 * <p>A crash during an append can leave a torn last line (no newline); {@link #read} skips it
 * and the next {@link #append} cuts it off first, logging both. Thread-safe within one process;
 * one process per file.
 */
public final class ReceiptLog {

  private static final Logger log = LoggerFactory.getLogger(ReceiptLog.class);

  private final Path file;

  private ReceiptLog(Path file) {
    this.file = file;
  }

  /** A receipt log at {@code file}; nothing is created until the first append. */
  public static ReceiptLog open(Path file) {
    return new ReceiptLog(Objects.requireNonNull(file, "file"));
  }

  public Path file() {
    return file;
  }

  /**
   * Appends {@code receipt} and forces it to disk, creating the file and its directory if
   * needed.
   */
  public synchronized void append(Receipt receipt) throws IOException {
    Objects.requireNonNull(receipt, "receipt");
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = channel.size();
      long end = size;
      ByteBuffer one = ByteBuffer.allocate(1);
      while (end > 0) {
        one.clear();
        channel.read(one, end - 1);
        if (one.get(0) == '\n') {
          break;
        }
        end--;
      }
      if (end < size) {
        log.warn("receipt log {}: cutting off a torn last line of {} bytes left by a crash",
            file, size - end);
        channel.truncate(end);
      }
      ByteBuffer line = ByteBuffer.wrap((receipt.toJson() + "\n")
          .getBytes(StandardCharsets.UTF_8));
      long position = end;
      while (line.hasRemaining()) {
        position += channel.write(line, position);
      }
      channel.force(true);
    }
  }

  /**
   * Every receipt in the file, oldest first; none if it does not exist. A torn last line is
   * skipped.
   *
   * @throws IOException naming the file and line of a malformed receipt
   */
  public List<Receipt> read() throws IOException {
    List<Receipt> receipts = new ArrayList<>();
    for (Numbered n : readNumbered()) {
      receipts.add(n.receipt());
    }
    return receipts;
  }

  record Numbered(int line, Receipt receipt) {}

  List<Numbered> readNumbered() throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (CharacterCodingException e) {
      throw new IOException("receipt log " + file + " is not valid UTF-8: it was damaged");
    }
    List<Numbered> out = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    // split leaves "" after a final newline, or the torn remainder without one
    for (int i = 0; i < lines.length - 1; i++) {
      if (lines[i].isBlank()) {
        continue;
      }
      try {
        out.add(new Numbered(i + 1, Receipt.fromJson(lines[i])));
      } catch (IllegalArgumentException e) {
        throw new IOException("receipt log " + file + " line " + (i + 1) + ": "
            + e.getMessage());
      }
    }
    if (!lines[lines.length - 1].isEmpty()) {
      log.warn("receipt log {}: skipping a torn last line {} ({} characters)", file,
          lines.length, lines[lines.length - 1].length());
    }
    return out;
  }

  @Override
  public String toString() {
    return "ReceiptLog[" + file + "]";
  }
}
