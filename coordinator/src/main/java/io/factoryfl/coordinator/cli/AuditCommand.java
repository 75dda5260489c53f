package io.factoryfl.coordinator.cli;

import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.Subcommands;
import java.util.HashSet;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.ledger.AuditReport;
import io.factoryfl.core.ledger.LedgerVerifier;
import io.factoryfl.core.ledger.LedgerVerifier.UnsignedTail;
import io.factoryfl.core.ledger.LedgerWriter;
import io.factoryfl.core.ledger.Verification;
import io.factoryfl.core.security.Pem;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Set;

/**
 * {@code audit verify} and {@code audit report}: offline checks of the coordinator's round log
 * (ledger) for auditors. Needs no connection to the coordinator.
 *
 * <p>Exit codes: 0 verified (or report written, or help shown); 1 the ledger or a receipt does
 * not check (the first problem is printed after "FAILED: ") or a file could not be read or
 * written; 2 bad arguments, with a message naming the flag and the value.
 */
public final class AuditCommand {

  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  static final String ALLOW_UNSIGNED_TAIL = "--allow-unsigned-tail";
  /** How many other jobs' ids the receipt summary names before it only counts them. */
  private static final int JOBS_NAMED = 10;

  static final String VERIFY_HELP = """
      Usage: audit verify LEDGER --ca CA.pem [--receipts DIR] [--head FILE] [--allow-unsigned-tail]
      Checks the round log offline: the hash chain (a changed, deleted, inserted or reordered
      record), the coordinator's signatures against the federation CA, the signed head (records
      cut off the end), that no record follows the last signed one (records appended by someone
      else), the Merkle root of every round, and the participants' receipts.
      Prints "OK: ..." and exits 0, or "FAILED: <the first bad record and what is wrong>" and
      exits 1.
        --ca CA.pem      the federation CA certificate
        --receipts DIR   check every *.jsonl receipt log under DIR (participants' receipts);
                         receipts of jobs this ledger does not log are skipped and counted
        --head FILE      the ledger's signed head (default: LEDGER.head)
        --allow-unsigned-tail
                         accept records after the last signed one, as a job that is still
                         running has; they are counted and reported as not verified. Records
                         after a job's signed job_finished still fail.
      """;
  static final String REPORT_HELP = """
      Usage: audit report LEDGER --out FILE
      Writes one self-contained HTML page (no scripts, fonts or network) showing each job's
      rounds on a timeline, cohort and dropouts per round, metric charts, the secure-aggregation
      parameters, model hashes, refusals and admin actions. It checks the hash chain but not
      signatures against the CA: run 'audit verify' for that. Records after the last signed
      record are left out of the rounds and listed apart as not verified.
        --out FILE       where to write the HTML (replaced if it exists)
      """;
  static final String FETCH_HELP = """
      Usage: audit fetch JOB_ID --coordinator HOST:PORT --cert FILE --key FILE --ca FILE --out FILE
      Copies a job's round log (and its signed head, FILE.head) from the coordinator's
      read-only Audit service, for 'audit verify'. Needs an auditor (or admin) certificate.
      """;
  static final String HELP = "Usage: audit verify|report|fetch [--help]\n" + VERIFY_HELP
      + REPORT_HELP + FETCH_HELP;

  private AuditCommand() {}

  /** For running without the launcher: {@code java -cp ... AuditCommand verify ...}. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs an {@code audit} subcommand.
   *
   * @param args the words after {@code audit}, e.g. {@code verify ledger.jsonl --ca ca.pem}
   * @return the process exit code
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, Clock.systemUTC());
  }

  static int run(String[] args, PrintStream out, PrintStream err, Clock clock) {
    return new Subcommands("audit", HELP)
        .add("verify", VERIFY_HELP, rest -> verify(
            Flags.parse("verify", rest, Set.of("--ca", "--receipts", "--head"),
                Set.of(ALLOW_UNSIGNED_TAIL)), out, clock))
        .add("report", REPORT_HELP, rest -> report(
            Flags.parse("report", rest, Set.of("--out"), Set.of()), out))
        .add("fetch", FETCH_HELP, rest -> {
          Set<String> valued = new HashSet<>(TlsFlags.NAMES);
          valued.addAll(Set.of("--coordinator", "--out"));
          return fetch(Flags.parse("fetch", rest, valued, Set.of()), out);
        })
        .run(args, out, err);
  }

  private static int fetch(Flags flags, PrintStream out) throws UsageException, IOException {
    String jobId = flags.onePositional("job id");
    java.nio.file.Path file = java.nio.file.Path.of(flags.required("--out"));
    io.grpc.ManagedChannel channel = io.factoryfl.coordinator.admin.AdminClient.openChannel(
        flags.required("--coordinator"), TlsFlags.load(flags));
    try {
      long records = new io.factoryfl.coordinator.admin.AuditClient(channel).downloadLedger(jobId, file);
      out.println("copied " + records + " records of job " + jobId + " to " + file
          + " (signed head: " + file + ".head)");
      return OK;
    } catch (io.grpc.StatusRuntimeException e) {
      out.println("FAILED: " + TlsFlags.describe(e));
      return FAILED;
    } finally {
      channel.shutdownNow();
    }
  }

  private static int verify(Flags flags, PrintStream out, Clock clock)
      throws UsageException, IOException {
    Path ledger = existingFile(flags, flags.onePositional("LEDGER file"), "LEDGER");
    Path caFile = existingFile(flags, flags.required("--ca"), "--ca");
    X509Certificate ca;
    try {
      ca = Pem.readCertificate(caFile);
    } catch (IOException e) {
      throw new UsageException(flags.command(), "invalid --ca '" + caFile + "': "
          + e.getMessage());
    }
    Path receipts = null;
    if (flags.has("--receipts")) {
      receipts = Path.of(flags.required("--receipts"));
      if (!Files.isDirectory(receipts)) {
        throw new UsageException(flags.command(), "invalid --receipts '" + receipts
            + "': not a directory (give the directory that holds the *.jsonl receipt logs)");
      }
    }
    Path head = flags.has("--head") ? existingFile(flags, flags.required("--head"), "--head")
        : LedgerWriter.headFile(ledger);
    boolean allowTail = flags.has(ALLOW_UNSIGNED_TAIL);
    Verification v = LedgerVerifier.verify(ledger, head, ca, receipts, clock,
        allowTail ? UnsignedTail.ACCEPT : UnsignedTail.REFUSE);
    if (!v.ok()) {
      out.println("FAILED: " + v.problem());
      if (!allowTail && v.unsignedTail() > 0
          && LedgerVerifier.verify(ledger, head, ca, receipts, clock, UnsignedTail.ACCEPT).ok()) {
        out.println("everything before record " + v.firstUnsigned() + " verifies; if the job is"
            + " still running, " + ALLOW_UNSIGNED_TAIL + " accepts its " + v.unsignedTail()
            + " unsigned record(s), reported as not verified");
      }
      return FAILED;
    }
    out.println("OK: " + v.records() + " records, " + v.rounds() + " rounds, " + v.receipts()
        + " receipts verified");
    for (String interruption : v.interruptions()) {
      out.println("coordinator restart: " + interruption);
    }
    if (v.unsignedTail() > 0) {
      long first = v.firstUnsigned();
      out.println("accepted " + v.unsignedTail() + " unsigned record(s) ("
          + (v.unsignedTail() == 1 ? "record " + first : "records " + first + " to "
          + v.records()) + ") after the last signed record, as " + ALLOW_UNSIGNED_TAIL
          + " asked: no coordinator signature covers them, so they are NOT verified; verify"
          + " again once the job has finished");
    }
    if (v.otherJobReceipts() > 0) {
      List<String> jobs = v.otherJobs();
      out.println("skipped " + v.otherJobReceipts() + " receipt(s) of other jobs ("
          + String.join(", ", jobs.subList(0, Math.min(JOBS_NAMED, jobs.size())))
          + (jobs.size() > JOBS_NAMED ? " and " + (jobs.size() - JOBS_NAMED) + " more" : "")
          + "): this ledger does not log them; check them against those jobs' ledgers");
      if (v.receipts() == 0) {
        out.println("warning: no receipt under " + receipts + " is for a job of this ledger;"
            + " check that " + ledger + " is the ledger of the job you meant");
      }
    }
    return OK;
  }

  private static int report(Flags flags, PrintStream out) throws UsageException, IOException {
    Path ledger = existingFile(flags, flags.onePositional("LEDGER file"), "LEDGER");
    Path html = Path.of(flags.required("--out"));
    if (Files.isDirectory(html)) {
      throw new UsageException(flags.command(), "invalid --out '" + html
          + "': it is a directory; give the HTML file to write, e.g. " + html.resolve(
          "report.html"));
    }
    AuditReport.write(ledger, html);
    out.println("wrote " + html + " (self-contained HTML; open it in any browser, offline)");
    return OK;
  }

  private static Path existingFile(Flags flags, String value, String what)
      throws UsageException {
    Path path = Path.of(value);
    if (!Files.isRegularFile(path)) {
      throw new UsageException(flags.command(), "invalid " + what + " '" + value + "': "
          + (Files.exists(path) ? "not a regular file" : "no such file"));
    }
    return path;
  }
}
