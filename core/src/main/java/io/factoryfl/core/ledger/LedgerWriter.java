package io.factoryfl.core.ledger;

import io.factoryfl.core.params.ContentHash;
import io.factoryfl.core.security.SigningIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
 * <p>The ledger is kept in a {@link LedgerStorage}: a file (locked while open, so a second
 * coordinator process cannot interleave records) or a database. Thread-safe.
 */
public final class LedgerWriter implements AutoCloseable {

  /** Appended to the ledger's file name to name its signed head file. */
  public static final String HEAD_SUFFIX = LedgerHead.SUFFIX;

  private static final Logger log = LoggerFactory.getLogger(LedgerWriter.class);
  private static final Set<String> RESERVED = Set.of("seq", "type", "time", "prev", "sig");

  private final LedgerStorage storage;
  private final SigningIdentity coordinator;
  private final Clock clock;
  private final LedgerRules rules;
  private final List<LedgerRecord> records;
  private String head;
  private boolean closed;
  private IOException failure;

  private LedgerWriter(LedgerStorage storage, SigningIdentity coordinator, Clock clock,
      LedgerRules rules, List<LedgerRecord> records, String head) {
    this.storage = storage;
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
    return open(FileLedgerStorage.open(file), coordinator, clock);
  }

  /**
   * Opens the ledger kept in {@code storage}, as {@link #open(Path, SigningIdentity, Clock)}
   * does a file. The writer owns the storage from here: it is closed with the writer, or at once
   * if the ledger cannot be opened.
   */
  public static LedgerWriter open(LedgerStorage storage, SigningIdentity coordinator, Clock clock)
      throws IOException {
    Objects.requireNonNull(storage, "storage");
    Objects.requireNonNull(coordinator, "coordinator");
    Objects.requireNonNull(clock, "clock");
    boolean done = false;
    try {
      LedgerWriter writer = recover(storage, coordinator, clock);
      done = true;
      return writer;
    } finally {
      if (!done) {
        storage.close();
      }
    }
  }

  private static LedgerWriter recover(LedgerStorage storage, SigningIdentity coordinator,
      Clock clock) throws IOException {
    String file = storage.name();
    byte[] content = storage.read();
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
    String head = readHead(storage, lines);
    if (torn.length > 0) {
      log.warn("ledger {}: cutting off a torn last line of {} bytes (SHA-256 {}) left by a crash"
          + " during a write; the ledger_reopened record notes it", file, torn.length,
          ContentHash.of(torn));
      storage.truncate(end);
    }
    List<LedgerRecord> records = new ArrayList<>(lines.size() + 16);
    for (LedgerLine line : lines) {
      records.add(line.toRecord());
    }
    LedgerWriter writer =
        new LedgerWriter(storage, coordinator, clock, rules, records, head);
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

  /** Checks the signed head against the ledger's records and returns its line (or null). */
  private static String readHead(LedgerStorage storage, List<LedgerLine> lines)
      throws IOException {
    String file = storage.name();
    String headFile = storage.headName();
    String text = storage.head();
    if (text == null) {
      // Only a crash between writing ledger_opened and its head leaves a ledger without one.
      if (lines.size() > 1) {
        throw new IOException("ledger " + file + " has " + lines.size() + " records but its"
            + " signed head " + headFile + " is missing; records deleted from its end could"
            + " not be noticed. Restore the head, or run 'audit verify' and move the"
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

  /** Where the ledger is, for messages: its file, or its place in a database. */
  public String name() {
    return storage.name();
  }

  private LedgerRecord write(String type, Map<String, ?> fields, boolean sign)
      throws IOException {
    String file = storage.name();
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
    byte[] withNewline = Arrays.copyOf(bytes, bytes.length + 1);
    withNewline[bytes.length] = '\n';
    try {
      if (sign) {
        String newHead = LedgerHead.signedLine(seq, line.hash, coordinator.privateKey());
        storage.appendSigned(withNewline, newHead);
        head = newHead;
      } else {
        storage.append(withNewline);
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

  /** Closes the storage, releasing the ledger for other writers. Idempotent. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    storage.close();
  }

  @Override
  public String toString() {
    return "LedgerWriter[" + storage.name() + "]";
  }
}
