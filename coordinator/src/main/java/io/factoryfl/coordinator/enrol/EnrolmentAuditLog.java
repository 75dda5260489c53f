package io.factoryfl.coordinator.enrol;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enrolment audit log: one JSON line per call of the Enrolment service, successful,
 * refused or throttled, in {@value #FILE} in the CA directory ({@code --ca-dir}), next to the
 * token store whose use it records. It is data for the CA operator, separate from the
 * coordinator's diagnostic log.
 *
 * <p><b>Format</b> (one object per line, UTF-8, {@code \n}-terminated):
 * <pre>{@code
 * {"time":"2026-12-01T21:14:15Z","method":"enrol","peer":"192.0.2.7","site":"plant-berlin",
 *  "role":null,"outcome":"refused","reason":"unknown_token"}
 * }</pre>
 * (shown wrapped). {@code method} is {@code enrol} or {@code renew}; {@code peer} the caller's
 * address (IPv6: its /64 network); {@code site} the name the token or certificate claims, null
 * for a malformed token; {@code role} null unless the token or certificate is known;
 * {@code outcome} one of enrolled, renewed, refused, throttled, failed; {@code reason} a fixed
 * code ({@link EnrolmentAttempt.Outcome}). The token's secret is never written, not even in
 * part.
 *
 * <p><b>Writing</b>: each record is one append of the whole line ({@code O_APPEND}), forced to
 * disk before the caller is answered, so a crash loses at most the line being written and never
 * interleaves two. A write that fails is logged as a warning and the call is answered anyway:
 * an audit disk that is full must not stop sites from enrolling. The file grows by 150 to 250
 * bytes a call and is never rotated by the coordinator.
 */
public final class EnrolmentAuditLog {

  /** The file name in the CA directory. */
  public static final String FILE = "enrolment-audit.jsonl";
  private static final Logger LOG = LoggerFactory.getLogger(EnrolmentAuditLog.class);

  private final Path file;
  private String lastFailure;

  EnrolmentAuditLog(Path file) {
    this.file = Objects.requireNonNull(file, "file");
  }

  /** The log in CA directory {@code caDir}. */
  static EnrolmentAuditLog in(Path caDir) {
    return new EnrolmentAuditLog(caDir.resolve(FILE));
  }

  /** Where it writes. */
  public Path file() {
    return file;
  }

  /** Appends {@code attempt} and forces it to disk; a failure is logged, never thrown. */
  synchronized void record(EnrolmentAttempt attempt) {
    ByteBuffer line = ByteBuffer.wrap(
        (attempt.toJsonLine() + "\n").getBytes(StandardCharsets.UTF_8));
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      while (line.hasRemaining()) {
        channel.write(line);
      }
      channel.force(false);
      if (lastFailure != null) {
        LOG.info("enrolment audit log " + file + " is writable again");
        lastFailure = null;
      }
    } catch (IOException | RuntimeException e) {
      String failure = e.getClass().getSimpleName() + ": " + e.getMessage();
      if (!failure.equals(lastFailure)) {
        lastFailure = failure;
        LOG.warn("cannot write the enrolment audit log " + file + " (" + failure
            + "); enrolment goes on without its audit records until this is fixed", e);
      } else {
        LOG.warn("enrolment audit record not written to " + file + ": " + attempt.method()
            + " from " + attempt.peer() + " " + attempt.outcome().outcome());
      }
    }
  }

  @Override
  public String toString() {
    return "EnrolmentAuditLog[" + file + "]";
  }
}
