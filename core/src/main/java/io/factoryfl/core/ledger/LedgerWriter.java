package io.factoryfl.core.ledger;

import io.factoryfl.core.params.ContentHash;
import io.factoryfl.core.security.SigningIdentity;
import java.io.IOException;
import java.nio.ByteBuffer;
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
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends records to the audit ledger (format in {@link LedgerRecord}) and keeps its signed head
 * ({@code <ledger>.head}) current.
 *
 * <p>Each record is checked against the ledger rules before it is written, so a record the
 * verifier would reject is refused with an {@link IllegalArgumentException} naming the field
 * and nothing is written. An I/O failure while writing leaves the file in an unknown state:
 * the writer then refuses further appends, and reopening it recovers (a torn line is cut off).
 *
 * <p>The file is locked while open, so a second coordinator (process) cannot interleave
 * records. Thread-safe.
 */
public final class LedgerWriter implements AutoCloseable {

  /** Appended to the ledger's file name to name its signed head file. */
  public static final String HEAD_SUFFIX = LedgerHead.SUFFIX;

  private static final Logger log = LoggerFactory.getLogger(LedgerWriter.class);
  private static final Set<String> RESERVED = Set.of("seq", "type", "time", "prev", "sig");

  private final Path file;
  private final Path headFile;
  private final FileChannel channel;
  private final FileLock lock;
  private final SigningIdentity coordinator;
  private final Clock clock;
  private final LedgerRules rules;
  private final List<LedgerRecord> records;
  private String head;
  private boolean closed;
  private IOException failure;

  private LedgerWriter(Path file, FileChannel channel, FileLock lock,
      SigningIdentity coordinator, Clock clock, LedgerRules rules, List<LedgerRecord> records,
      String head) {
    this.file = file;
    this.headFile = LedgerHead.fileOf(file);
    this.channel = channel;
    this.lock = lock;
    this.coordinator = coordinator;
    this.clock = clock;
    this.rules = rules;
    this.records = records;
    this.head = head;
  }

  /** The signed head file of {@code ledger}: {@code <ledger>.head}, next to it. */
  public static Path headFile(Path ledger) {
    return LedgerHead.fileOf(ledger);
  }

  /**
   * Opens (creating) the ledger. A new ledger starts with a signed {@code ledger_opened} record
   * carrying the coordinator's name and certificate (base64 DER). An existing one is read and
   * checked: chain, sequence, record rules, and that its signed head names one of its records
   * (signatures are left to {@link LedgerVerifier}, which has the CA). A torn last line (no
   * trailing newline: a crash during a write) is logged, cut off, and recorded; then a signed
   * {@code ledger_reopened} record is appended carrying the (possibly renewed) certificate, the
   * number of bytes cut off and their SHA-256.
   *
   * @throws IOException naming the file and the first bad record if the ledger is damaged, has
   *     been cut short of its signed head, or is open in another writer
   */
  public static LedgerWriter open(Path file, SigningIdentity coordinator, Clock clock)
      throws IOException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(coordinator, "coordinator");
    Objects.requireNonNull(clock, "clock");
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.READ, StandardOpenOption.WRITE);
    boolean done = false;
    try {
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new IOException("ledger " + file + " is already open for writing (by this or"
            + " another coordinator process); only one writer may append to it");
      }
      LedgerWriter writer = recover(file, channel, lock, coordinator, clock);
      done = true;
      return writer;
    } finally {
      if (!done) {
        channel.close();
      }
    }
  }

  private static LedgerWriter recover(Path file, FileChannel channel, FileLock lock,
      SigningIdentity coordinator, Clock clock) throws IOException {
    byte[] content = readAll(channel);
    int end = content.length - LedgerLine.tornLength(content);
    byte[] torn = Arrays.copyOfRange(content, end, content.length);
    List<LedgerLine> lines;
    LedgerRules rules = new LedgerRules();
    try {
      lines = new ArrayList<>();
      for (byte[] bytes : LedgerLine.completeLines(content)) {
        lines.add(LedgerLine.parse(lines.size() + 1, bytes));
      }
      for (int i = 0; i < lines.size(); i++) {
        String problem = ChainCheck.problem(lines, i, false, null);
        if (problem != null) {
          throw new LedgerException(problem);
        }
        rules.apply(lines.get(i));
      }
    } catch (LedgerException e) {
      throw new IOException("ledger " + file + " is damaged: " + e.getMessage()
          + ". Refusing to append to it: run 'audit verify' on it, then restore it from a"
          + " backup or move it aside");
    }
    Path headFile = LedgerHead.fileOf(file);
    String head = readHead(file, headFile, lines);
    if (torn.length > 0) {
      log.warn("ledger {}: cutting off a torn last line of {} bytes (SHA-256 {}) left by a crash"
          + " during a write; the ledger_reopened record notes it", file, torn.length,
          ContentHash.of(torn));
      channel.truncate(end);
      channel.force(true);
    }
    channel.position(end);
    List<LedgerRecord> records = new ArrayList<>(lines.size() + 16);
    for (LedgerLine line : lines) {
      records.add(line.toRecord());
    }
    LedgerWriter writer =
        new LedgerWriter(file, channel, lock, coordinator, clock, rules, records, head);
    String certificate = Base64.getEncoder().encodeToString(coordinator.certificateDer());
    if (records.isEmpty()) {
      writer.appendSigned("ledger_opened",
          Map.of("coordinator", coordinator.name(), "certificate", certificate));
    } else {
      Map<String, Object> fields = new TreeMap<>();
      fields.put("coordinator", coordinator.name());
      fields.put("certificate", certificate);
      fields.put("torn_bytes", torn.length);
      if (torn.length > 0) {
        fields.put("torn_sha256", ContentHash.of(torn));
      }
      writer.appendSigned("ledger_reopened", fields);
    }
    return writer;
  }

  /** Checks the head file against the ledger's records and returns its line (or null). */
  private static String readHead(Path file, Path headFile, List<LedgerLine> lines)
      throws IOException {
    String text;
    try {
      text = Files.readString(headFile, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      // Only a crash between writing ledger_opened and its head leaves a ledger without one.
      if (lines.size() > 1) {
        throw new IOException("ledger " + file + " has " + lines.size() + " records but its"
            + " signed head " + headFile + " is missing; records deleted from its end could"
            + " not be noticed. Restore the head file, or run 'audit verify' and move the"
            + " ledger aside");
      }
      return null;
    }
    LedgerHead head;
    try {
      head = LedgerHead.parse(text, "signed head " + headFile);
    } catch (LedgerException e) {
      throw new IOException("ledger " + file + ": " + e.getMessage());
    }
    if (head.seq() < 1 || head.seq() > lines.size()
        || !lines.get((int) head.seq() - 1).hash.equals(head.hash())) {
      throw new IOException("ledger " + file + " ends at record " + lines.size()
          + " but its signed head " + headFile + " names record " + head.seq() + " with hash "
          + head.hash() + (head.seq() > lines.size() ? ": records were deleted from its end"
          : ", which differs from the record in the file: it was changed")
          + ". Refusing to append; restore the ledger from a backup");
    }
    return text.strip();
  }

  /**
   * Appends an unsigned record: {@code fields} (values String, Number, Boolean, List, Map or
   * null) merged with seq, type, time and prev, in canonical JSON. Written to the operating
   * system before returning, but not forced to disk; the next signed record forces it.
   *
   * @param type the record type, {@code [a-z][a-z0-9_]*}
   * @return the record as written
   * @throws IllegalArgumentException naming the field when a field is reserved (seq, type, time,
   *     prev, sig), has an unsupported value, or the record breaks the ledger rules (for example
   *     round_closed must be signed); nothing is written
   * @throws IOException if the write fails; the writer then refuses further appends
   * @throws IllegalStateException if the writer is closed or failed earlier
   */
  public synchronized LedgerRecord append(String type, Map<String, ?> fields) throws IOException {
    return write(type, fields, false);
  }

  /**
   * Appends a record signed with the coordinator's Ed25519 key, forces the ledger (so this and
   * every record before it are on disk) and then replaces the signed head. Otherwise as {@link
   * #append}.
   */
  public synchronized LedgerRecord appendSigned(String type, Map<String, ?> fields)
      throws IOException {
    return write(type, fields, true);
  }

  /** Every record so far, oldest first, including those read when the ledger was reopened. */
  public synchronized List<LedgerRecord> records() {
    return List.copyOf(records);
  }

  /**
   * The current signed head line (see {@link LedgerRecord}): ship it with {@link #records()} to
   * an auditor so records missing from the end show.
   */
  public synchronized String signedHead() {
    return head;
  }

  /** The ledger file. */
  public Path file() {
    return file;
  }

  private LedgerRecord write(String type, Map<String, ?> fields, boolean sign)
      throws IOException {
    if (closed) {
      throw new IllegalStateException("ledger " + file + " is closed");
    }
    if (failure != null) {
      throw new IllegalStateException("ledger " + file + " failed to write earlier ("
          + failure.getMessage() + "); reopen it to recover", failure);
    }
    Objects.requireNonNull(type, "type");
    if (!type.matches("[a-z][a-z0-9_]{0,63}")) {
      throw new IllegalArgumentException("record type '" + type
          + "' must be lower-case letters, digits and '_', starting with a letter");
    }
    long seq = records.size() + 1L;
    TreeMap<String, Object> all = new TreeMap<>();
    if (fields != null) {
      for (Map.Entry<String, ?> e : fields.entrySet()) {
        if (RESERVED.contains(e.getKey())) {
          throw new IllegalArgumentException("field '" + e.getKey() + "' of a " + type
              + " record is reserved for the ledger (seq, type, time, prev, sig)");
        }
        all.put(e.getKey(), e.getValue());
      }
    }
    all.put("seq", seq);
    all.put("type", type);
    all.put("time", clock.instant().toString());
    all.put("prev", records.isEmpty() ? LedgerLine.ZERO_HASH : records.get(records.size() - 1)
        .hash());
    String unsigned = CanonicalJson.write(all, type);
    String json = unsigned;
    if (sign) {
      byte[] payload = unsigned.getBytes(StandardCharsets.UTF_8);
      all.put("sig", Base64.getEncoder().encodeToString(
          SigningIdentity.sign(coordinator.privateKey(), payload)));
      json = CanonicalJson.write(all, type);
    }
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    LedgerLine line;
    try {
      line = LedgerLine.parse((int) seq, bytes);
      rules.apply(line);
    } catch (LedgerException e) {
      throw new IllegalArgumentException("refusing to append to ledger " + file + ": "
          + e.getMessage(), null);
    }
    if (sign && !Arrays.equals(line.payload, unsigned.getBytes(StandardCharsets.UTF_8))) {
      throw new IllegalStateException("the signed bytes of " + line.where()
          + " do not match the line without its signature; this is a bug in the ledger writer");
    }
    try {
      ByteBuffer buffer = ByteBuffer.allocate(bytes.length + 1).put(bytes).put((byte) '\n')
          .flip();
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      if (sign) {
        channel.force(true);
        String newHead = LedgerHead.signedLine(seq, line.hash, coordinator.privateKey());
        writeHead(newHead);
        head = newHead;
      }
    } catch (IOException e) {
      failure = e;
      throw new IOException("cannot append " + line.where() + " (" + type + ") to ledger "
          + file + ": " + e.getMessage(), e);
    }
    LedgerRecord record = line.toRecord();
    records.add(record);
    return record;
  }

  private void writeHead(String line) throws IOException {
    Path tmp = headFile.resolveSibling(headFile.getFileName() + ".tmp");
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
      out.force(true);
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

  private static byte[] readAll(FileChannel channel) throws IOException {
    long size = channel.size();
    if (size > Integer.MAX_VALUE - 16) {
      throw new IOException("ledger of " + size + " bytes is too large to read into memory");
    }
    ByteBuffer buffer = ByteBuffer.allocate((int) size);
    channel.position(0);
    while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
      // keep reading
    }
    return buffer.array();
  }

  /** Releases the file lock and closes the file. Idempotent. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (lock.isValid()) {
        lock.release();
      }
    } finally {
      channel.close();
    }
  }

  @Override
  public String toString() {
    return "LedgerWriter[" + file + "]";
  }
}
