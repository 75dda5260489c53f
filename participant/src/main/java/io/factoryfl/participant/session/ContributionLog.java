package io.factoryfl.participant.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factoryfl.core.secagg.ContributionRule;
import io.factoryfl.core.secagg.SecAggException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This site's durable record of the masked inputs it has sent, which enforces {@link
 * ContributionRule}: at most one masked input per base model and per (job, round). A record is
 * appended and forced to disk (file and, when it is new, its directory) before the masked input
 * leaves the site, so a crash or restart can never let a second one out.
 *
 * <p>Format: UTF-8, one JSON object per line,
 * <pre>
 * {"site":"plant-a","job":"job-1f2e","round":3,"base_model":"9c1d...","session":"job-1f2e/r3/a1",
 *  "binding":"e0b4...","at":"2025-01-07T10:15:30Z"}
 * </pre>
 * {@code binding} is the hex training-binding digest the input was masked under. A crash during
 * an append can leave a torn last line (no newline): its masked input never left (the upload
 * waits for the append), so the line is ignored and cut off by the next append. Any other line
 * that does not parse makes every later secure round fail closed, with a refusal, until plant IT
 * repairs the file. The file is not a receipt log: it is named {@code *.secagg-contributions.log}
 * so that {@code audit verify --receipts} (which reads every {@code *.jsonl}) skips it.
 * Thread-safe; appends re-read the file under an exclusive file lock, so two processes on one
 * file cannot both record a masked input for one key.
 */
final class ContributionLog {
  private static final Logger LOG = LoggerFactory.getLogger(ContributionLog.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** About 300 bytes a secure round; a file beyond this is not one this site wrote. */
  static final long MAX_FILE_BYTES = 64L << 20;

  /** One masked input this site sent. */
  record Entry(String site, String job, int round, String baseModel, String session, String binding,
      String at) {
    Entry {
      Objects.requireNonNull(site, "site");
      Objects.requireNonNull(job, "job");
      Objects.requireNonNull(baseModel, "baseModel");
      Objects.requireNonNull(session, "session");
      Objects.requireNonNull(binding, "binding");
      Objects.requireNonNull(at, "at");
    }

    String toJson() {
      ObjectNode node = JSON.createObjectNode().put("site", site).put("job", job).put("round", round)
          .put("base_model", baseModel).put("session", session).put("binding", binding).put("at", at);
      return node.toString();
    }

    static Entry parse(String line) throws IOException {
      JsonNode node = JSON.readTree(line);
      if (node == null || !node.isObject()) {
        throw new IOException("not a JSON object");
      }
      JsonNode round = node.get("round");
      if (round == null || !round.canConvertToInt()) {
        throw new IOException("field 'round' is missing or not an integer");
      }
      return new Entry(text(node, "site"), text(node, "job"), round.asInt(),
          text(node, "base_model"), text(node, "session"), text(node, "binding"), text(node, "at"));
    }

    private static String text(JsonNode node, String field) throws IOException {
      JsonNode value = node.get(field);
      if (value == null || !value.isTextual()) {
        throw new IOException("field '" + field + "' is missing or not a string");
      }
      return value.asText();
    }
  }

  private final Path file;
  private final Clock clock;
  private List<Entry> entries;

  private ContributionLog(Path file, Clock clock) {
    this.file = file;
    this.clock = clock;
  }

  /** The log at {@code file}; it is read on first use and created on the first record. */
  static ContributionLog open(Path file, Clock clock) {
    return new ContributionLog(Objects.requireNonNull(file, "file"), Objects.requireNonNull(clock, "clock"));
  }

  /** Where a site keeps it: beside its receipt log, {@code <receipt log name>.secagg-contributions.log}. */
  static Path besideReceipts(Path receiptLog) {
    return Site.besideReceiptLog(receiptLog, ".secagg-contributions.log");
  }

  Path file() {
    return file;
  }

  /**
   * Refuses, before any work, a secure round this site may not send a masked input to.
   *
   * @throws SecAggException naming the earlier contribution, or if the record cannot be read
   */
  synchronized void requireNone(String site, String job, int round, String baseModel) {
    Optional<Entry> earlier = conflict(site, job, round, baseModel);
    if (earlier.isPresent()) {
      throw refusal(earlier.get(), job, round, baseModel);
    }
  }

  /**
   * Checks, before this site sends again the masked input it already sent in {@code session} (the
   * coordinator restarted and asks for it again), that the only record for this round and base
   * model is that session's own, under the same binding: the identical input sent again is not a
   * second masked input. The file is read again first.
   *
   * @throws SecAggException naming the conflicting contribution, or if there is no record of the
   *     session's input (this site never sends an input it has not recorded)
   */
  synchronized void requireOnly(String site, String job, int round, String baseModel, String session,
      String binding) {
    entries = load();
    boolean recorded = false;
    for (Entry entry : entries) {
      if (!entry.site().equals(site)
          || !ContributionRule.conflicts(entry.job(), entry.round(), entry.baseModel(), job, round, baseModel)) {
        continue;
      }
      if (entry.session().equals(session) && entry.binding().equals(binding) && entry.job().equals(job)
          && entry.round() == round && entry.baseModel().equals(baseModel)) {
        recorded = true;
      } else {
        throw refusal(entry, job, round, baseModel);
      }
    }
    if (!recorded) {
      throw new SecAggException("this site holds a masked input of session " + session + " but its contribution"
          + " record has no line for it, so it does not send it again; plant IT finds the record at the"
          + " participant's contribution log");
    }
  }

  /**
   * Checks the rule once more and appends the record, forced to disk; only when this returns may
   * the masked input leave the site.
   *
   * @throws SecAggException if an earlier contribution conflicts or the record cannot be written
   */
  synchronized void record(String site, String job, int round, String baseModel, String session,
      String binding) {
    Entry entry = new Entry(site, job, round, baseModel, session, binding, clock.instant().toString());
    try {
      appendUnderLock(entry, job, round, baseModel);
    } catch (IOException e) {
      LOG.error("could not write the secure-aggregation contribution record " + file, e);
      throw new SecAggException("this site could not record its masked input for job " + job + " round "
          + round + " durably, and sends none without that record; plant IT finds the detail in the"
          + " participant's log");
    }
    entries.add(entry);
  }

  private Optional<Entry> conflict(String site, String job, int round, String baseModel) {
    for (Entry entry : entries()) {
      if (entry.site().equals(site)
          && ContributionRule.conflicts(entry.job(), entry.round(), entry.baseModel(), job, round, baseModel)) {
        return Optional.of(entry);
      }
    }
    return Optional.empty();
  }

  private static SecAggException refusal(Entry earlier, String job, int round, String baseModel) {
    String what = earlier.baseModel().equals(baseModel)
        ? "trained from model " + baseModel + " (in job " + earlier.job() + " round " + earlier.round() + ")"
        : "for job " + job + " round " + round + " (trained from model " + earlier.baseModel() + ")";
    return new SecAggException("this site " + ContributionRule.REFUSAL + " " + what + ", in session "
        + earlier.session() + "; it sends at most one per round and per base model, so that no two sums"
        + " can differ in its input alone. Run the round without this site, or train it from a new model"
        + " in a later round");
  }

  private List<Entry> entries() {
    if (entries == null) {
      entries = load();
    }
    return entries;
  }

  private List<Entry> load() {
    List<Entry> loaded = new ArrayList<>();
    try {
      if (!Files.exists(file)) {
        return loaded;
      }
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        throw unreadable("it is " + size + " bytes, more than the " + MAX_FILE_BYTES + " this site writes");
      }
      String text = Files.readString(file, StandardCharsets.UTF_8);
      String[] lines = text.split("\n", -1);
      // The last element is "" after a final newline, or a torn line whose input never left.
      for (int i = 0; i < lines.length - 1; i++) {
        if (lines[i].isBlank()) {
          continue;
        }
        try {
          loaded.add(Entry.parse(lines[i]));
        } catch (IOException e) {
          throw unreadable("line " + (i + 1) + " does not parse (" + e.getMessage() + ")");
        }
      }
      String last = lines[lines.length - 1];
      if (!last.isBlank()) {
        try {
          // A complete record that only lacks its final newline (a hand edit) still counts.
          loaded.add(Entry.parse(last));
        } catch (IOException e) {
          LOG.warn("secure-aggregation contribution record " + file + ": ignoring a torn last line left by"
              + " a crash; its masked input was never sent");
        }
      }
      return loaded;
    } catch (IOException e) {
      throw unreadable("it cannot be read (" + e.getClass().getSimpleName() + ")");
    }
  }

  private SecAggException unreadable(String why) {
    LOG.error("secure-aggregation contribution record " + file + ": " + why
        + "; secure rounds are refused until it is repaired");
    return new SecAggException("this site's record of the masked inputs it sent is unreadable, so it sends"
        + " no masked input (it could not rule out sending a second one); plant IT finds the detail in the"
        + " participant's log");
  }

  /**
   * Appends under an exclusive lock on the file, after reading it again under that lock: another
   * participant process on the same file (an overlapping restart, a second instance) cannot slip
   * a record in between this site's check and its append.
   */
  private void appendUnderLock(Entry entry, String job, int round, String baseModel) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    boolean created = !Files.exists(file);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE); java.nio.channels.FileLock lock = channel.lock()) {
      entries = load();
      Optional<Entry> earlier = conflict(entry.site(), job, round, baseModel);
      if (earlier.isPresent()) {
        throw refusal(earlier.get(), job, round, baseModel);
      }
      String json = entry.toJson();
      long end = channel.size();
      ByteBuffer one = ByteBuffer.allocate(1);
      while (end > 0) {
        one.clear();
        channel.read(one, end - 1);
        if (one.get(0) == '\n') {
          break;
        }
        end--;
      }
      String prefix = "";
      if (end < channel.size() && parsesAsEntry(channel, end)) {
        // A complete record without its final newline (a hand edit): keep it, end its line.
        end = channel.size();
        prefix = "\n";
      }
      channel.truncate(end);
      ByteBuffer line = ByteBuffer.wrap((prefix + json + "\n").getBytes(StandardCharsets.UTF_8));
      long position = end;
      while (line.hasRemaining()) {
        position += channel.write(line, position);
      }
      channel.force(true);
    }
    if (created && parent != null) {
      forceDirectory(parent);
    }
  }

  private static boolean parsesAsEntry(FileChannel channel, long from) throws IOException {
    long length = channel.size() - from;
    if (length > 64 * 1024) {
      return false;
    }
    ByteBuffer fragment = ByteBuffer.allocate((int) length);
    while (fragment.hasRemaining() && channel.read(fragment, from + fragment.position()) > 0) {
      // read it all
    }
    try {
      Entry.parse(new String(fragment.array(), StandardCharsets.UTF_8).strip());
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Makes a new file's directory entry durable (Linux and macOS; a no-op where unsupported). */
  private static void forceDirectory(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      LOG.debug("directory " + directory + " cannot be forced here: " + e.getMessage());
    }
  }
}
