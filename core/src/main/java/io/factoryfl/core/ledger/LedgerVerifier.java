package io.factoryfl.core.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Checks a ledger the way an auditor would (format and rules in {@link LedgerRecord}), stopping
 * at the first problem:
 *
 * <ol>
 *   <li>every line is a record; line n holds record n and carries the hash of line n-1, so a
 *       changed, deleted, inserted or reordered record is named;
 *   <li>the coordinator certificate in ledger_opened (and any ledger_reopened) chains to the
 *       federation CA, has role coordinator, was valid when the record was written, and binds an
 *       Ed25519 key; every signed record verifies with the key in force, was signed while that
 *       certificate was valid and not after the verifier's clock (plus {@link
 *       CertificateAuthority#BACKDATE} of skew); the record types that must be signed are;
 *   <li>the record rules hold, among them that each round_closed's merkle_root is the root of
 *       the contributions it lists;
 *   <li>the signed head ({@code <ledger>.head}) verifies and names a record of the ledger with
 *       the same hash, so records deleted from the end are noticed;
 *   <li>no record follows the last signed one (see {@link UnsignedTail});
 *   <li>every receipt in every {@code *.jsonl} file under the receipts directory for a job this
 *       ledger logs was signed by the coordinator, points to a round_closed record of this
 *       ledger for its job and round, whose contributors include the receipt's participant with
 *       the receipt's contribution hash, and its inclusion proof leads to that record's Merkle
 *       root. Receipts of other jobs (a site keeps those of all its jobs together) are skipped
 *       and counted in {@link Verification#otherJobReceipts()}: a ledger can only be held to
 *       the jobs it logs.
 * </ol>
 */
public final class LedgerVerifier {

  private LedgerVerifier() {}

  /**
   * What to do with records after the last signed record. A hash chain alone cannot tell them
   * from records someone else appended (a fake round, say), so by default they fail.
   */
  public enum UnsignedTail {
    /** They fail the verification, naming them: the right choice for a finished job. */
    REFUSE,
    /**
     * They are accepted, unverified, and counted in {@link Verification#unsignedTail()}: for a
     * job that is still running, whose latest records the coordinator has not signed yet. A
     * record of a job after that job's signed job_finished still fails, since a finished job's
     * log gets no more records.
     */
    ACCEPT
  }

  /**
   * Verifies {@code ledger} with its signed head next to it ({@code <ledger>.head}).
   *
   * @param ca the federation CA certificate
   * @param receiptsDir a directory searched recursively for {@code *.jsonl} receipt logs, or null
   * @param clock the verifier's clock: signed records must not be dated after it
   * @throws IOException if the ledger or the receipts directory cannot be read
   */
  public static Verification verify(Path ledger, X509Certificate ca, Path receiptsDir,
      Clock clock) throws IOException {
    return verify(ledger, LedgerHead.fileOf(ledger), ca, receiptsDir, clock);
  }

  /**
   * As {@link #verify(Path, X509Certificate, Path, Clock)} with the signed head elsewhere;
   * records after the last signed one fail.
   */
  public static Verification verify(Path ledger, Path head, X509Certificate ca,
      Path receiptsDir, Clock clock) throws IOException {
    return verify(ledger, head, ca, receiptsDir, clock, UnsignedTail.REFUSE);
  }

  /**
   * As {@link #verify(Path, Path, X509Certificate, Path, Clock)}, saying what to do with
   * records after the last signed one.
   */
  public static Verification verify(Path ledger, Path head, X509Certificate ca,
      Path receiptsDir, Clock clock, UnsignedTail tail) throws IOException {
    Objects.requireNonNull(ledger, "ledger");
    Objects.requireNonNull(head, "head");
    byte[] content = Files.readAllBytes(ledger);
    String headText;
    try {
      headText = Files.readString(head, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      headText = null;
    } catch (IOException e) {
      headText = "";
    }
    return run(content, headText, head.toString(), ca, receiptsDir, clock, tail);
  }

  /**
   * Verifies records received from the coordinator (for example {@link LedgerWriter#records()}
   * and {@link LedgerWriter#signedHead()} sent to an auditor) as if they were the ledger file.
   *
   * @param signedHead the signed head line, or null if none was received (which fails)
   */
  public static Verification verify(List<LedgerRecord> records, String signedHead,
      X509Certificate ca, Path receiptsDir, Clock clock) throws IOException {
    Objects.requireNonNull(records, "records");
    StringBuilder content = new StringBuilder();
    for (LedgerRecord r : records) {
      content.append(r.json()).append('\n');
    }
    return run(content.toString().getBytes(StandardCharsets.UTF_8), signedHead,
        "(received)", ca, receiptsDir, clock, UnsignedTail.REFUSE);
  }

  private static Verification run(byte[] content, String headText, String headName,
      X509Certificate ca, Path receiptsDir, Clock clock, UnsignedTail tail) throws IOException {
    Objects.requireNonNull(ca, "ca");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(tail, "tail");
    List<Path> receiptFiles = receiptsDir == null ? List.of() : receiptFiles(receiptsDir);
    Pass pass = new Pass(ca, clock);
    long unsigned = 0;
    try {
      pass.ledger(content);
      pass.head(headText, headName);
      unsigned = pass.checked - pass.lastSigned;
      pass.tail(tail);
      for (Path file : receiptFiles) {
        pass.receipts(receiptsDir, file);
      }
    } catch (LedgerException e) {
      return new Verification(false, pass.checked, pass.rules.closedRounds().size(),
          pass.receipts, e.getMessage(), unsigned, pass.otherJobReceipts,
          List.copyOf(pass.otherJobs), pass.rules.interruptions());
    }
    return new Verification(true, pass.checked, pass.rules.closedRounds().size(), pass.receipts,
        null, unsigned, pass.otherJobReceipts, List.copyOf(pass.otherJobs), pass.rules.interruptions());
  }

  private static List<Path> receiptFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString(), null, "not a directory of receipt logs");
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".jsonl"))
          .filter(Files::isRegularFile).sorted().toList();
    }
  }

  /** The key that signs records from {@code seq} on, and where it came from. */
  private record Signer(long seq, PublicKey key, X509Certificate certificate, String name) {}

  /** One pass over a ledger; keeps what the receipts are checked against. */
  private static final class Pass {
    final X509Certificate ca;
    final Clock clock;
    final LedgerRules rules = new LedgerRules();
    final List<LedgerLine> lines = new ArrayList<>();
    final List<Signer> signers = new ArrayList<>();
    /** Every job the ledger names, and the seq of each signed job_finished by job. */
    final Set<String> jobs = new HashSet<>();
    final Map<String, Long> finished = new HashMap<>();
    final SortedSet<String> otherJobs = new TreeSet<>();
    long checked;
    long lastSigned;
    long receipts;
    long otherJobReceipts;

    Pass(X509Certificate ca, Clock clock) {
      this.ca = ca;
      this.clock = clock;
    }

    void ledger(byte[] content) throws LedgerException {
      List<byte[]> raw = LedgerLine.completeLines(content);
      List<LedgerLine> parsed = new ArrayList<>(raw.size());
      List<LedgerException> errors = new ArrayList<>(raw.size());
      for (int i = 0; i < raw.size(); i++) {
        try {
          parsed.add(LedgerLine.parse(i + 1, raw.get(i)));
          errors.add(null);
        } catch (LedgerException e) {
          parsed.add(null);
          errors.add(e);
        }
      }
      if (raw.isEmpty() && content.length == 0) {
        throw new LedgerException("line 1: the ledger is empty; it must start with a"
            + " ledger_opened record");
      }
      Signer current = null;
      for (int i = 0; i < parsed.size(); i++) {
        LedgerLine line = parsed.get(i);
        if (line == null) {
          throw errors.get(i);
        }
        boolean opening = line.type.equals("ledger_opened")
            || line.type.equals("ledger_reopened");
        Signer signer = opening ? certifiedSigner(line) : current;
        boolean verified = false;
        if (line.signed() && signer != null) {
          checkSignature(line, signer);
          verified = true;
        }
        String problem = ChainCheck.problem(parsed, i, verified, null);
        if (problem != null) {
          throw new LedgerException(problem);
        }
        if (opening && signer == null) {
          // missing or malformed coordinator/certificate: the rules say which
          rules.apply(line);
          throw new LedgerException(line.where() + ", " + line.type
              + ": carries no usable coordinator certificate");
        }
        rules.apply(line);
        if (opening) {
          current = signer;
          signers.add(signer);
        }
        if (line.signed()) {
          lastSigned = line.seq;
        }
        String job = jobOf(line);
        if (job != null) {
          jobs.add(job);
          if (line.type.equals("job_finished")) {
            finished.putIfAbsent(job, line.seq);
          }
        }
        lines.add(line);
        checked++;
      }
      int torn = LedgerLine.tornLength(content);
      if (torn > 0) {
        throw new LedgerException("line " + (parsed.size() + 1) + ": the last line has no"
            + " newline (" + torn + " bytes): a write torn by a crash (the coordinator cuts it"
            + " off when it reopens the ledger), or the file was cut or appended to");
      }
    }

    /** The signer a ledger_opened/ledger_reopened record introduces, or null if it has none. */
    private Signer certifiedSigner(LedgerLine line) throws LedgerException {
      JsonNode name = line.tree.get("coordinator");
      JsonNode certificate = line.tree.get("certificate");
      if (name == null || !name.isTextual() || certificate == null
          || !certificate.isTextual()) {
        return null;
      }
      String at = line.where() + ", " + line.type;
      byte[] der;
      X509Certificate parsed;
      try {
        der = Base64.getDecoder().decode(certificate.textValue());
        parsed = (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(der));
      } catch (IllegalArgumentException | CertificateException | ClassCastException e) {
        throw new LedgerException(at + ": its certificate is not a base64 DER X.509"
            + " certificate (" + e.getMessage() + ")");
      }
      PublicKey key;
      try {
        key = SigningIdentity.verifiedSigningKey(der, ca, name.textValue(), Role.COORDINATOR,
            Clock.fixed(line.time, ZoneOffset.UTC));
      } catch (IllegalArgumentException e) {
        throw new LedgerException(at + ": the coordinator " + e.getMessage()
            + " (checked at the record's time " + line.time + ")");
      }
      return new Signer(line.seq, key, parsed, name.textValue());
    }

    private void checkSignature(LedgerLine line, Signer signer) throws LedgerException {
      String at = line.where() + ", " + line.type;
      if (!SigningIdentity.verify(signer.key(), line.payload, line.signature)) {
        throw new LedgerException(at + ": its signature does not verify with the signing key of"
            + " coordinator '" + signer.name() + "' (certificate in record " + signer.seq()
            + "): the record was changed, or signed by another key");
      }
      Instant latest = clock.instant().plus(CertificateAuthority.BACKDATE);
      if (line.time.isAfter(latest)) {
        throw new LedgerException(at + ": it is dated " + line.time + ", after the verifier's"
            + " clock (" + clock.instant() + "): the coordinator's clock was wrong or the"
            + " record was forged");
      }
      try {
        signer.certificate().checkValidity(Date.from(line.time));
      } catch (CertificateException e) {
        throw new LedgerException(at + ": it was signed at " + line.time + ", when the"
            + " coordinator certificate of record " + signer.seq() + " was not valid (valid "
            + signer.certificate().getNotBefore().toInstant() + " to "
            + signer.certificate().getNotAfter().toInstant() + ")");
      }
    }

    void head(String text, String file) throws LedgerException {
      String where = "the signed head " + file;
      if (text == null) {
        throw new LedgerException(where + " is missing: without it, records deleted from the"
            + " end of the ledger go unnoticed; copy it along with the ledger");
      }
      LedgerHead head = LedgerHead.parse(text, where);
      long n = lines.size();
      if (head.seq() < 1 || head.seq() > n) {
        throw new LedgerException("record " + (n + 1) + " (line " + (n + 1) + ") is missing:"
            + " the ledger ends at " + (n == 0 ? "no record" : lines.get((int) n - 1).where())
            + ", but " + where + " names record "
            + head.seq() + " (hash " + head.hash() + "): " + (head.seq() == n + 1
            ? "record " + head.seq() + " was" : "records " + (n + 1) + " to " + head.seq()
            + " were") + " deleted from the end");
      }
      LedgerLine named = lines.get((int) head.seq() - 1);
      if (!named.hash.equals(head.hash())) {
        throw new LedgerException(named.where() + " is not the record " + where + " names:"
            + " its hash is " + named.hash + ", the head says " + head.hash()
            + ": the record was replaced");
      }
      Signer signer = signerAt(head.seq());
      if (!named.signed() || signer == null || !head.verify(signer.key())) {
        throw new LedgerException(where + " does not verify with the signing key of the"
            + " coordinator in force at record " + head.seq() + ": it was forged or changed");
      }
    }

    /** Applies {@code policy} to the records after the last signed one, if any. */
    void tail(UnsignedTail policy) throws LedgerException {
      if (lastSigned == lines.size()) {
        return;
      }
      LedgerLine first = lines.get((int) lastSigned);
      LedgerLine last = lines.get(lines.size() - 1);
      LedgerLine signed = lines.get((int) lastSigned - 1);
      String which = first == last ? first.where() + ", " + first.type + ", comes"
          : "records " + first.seq + " to " + last.seq + " (lines " + first.line + " to "
          + last.line + ") come";
      String after = which + " after the last signed record (record " + signed.seq + ", "
          + signed.type + "): no coordinator signature covers "
          + (first == last ? "it" : "them");
      for (LedgerLine line : lines.subList((int) lastSigned, lines.size())) {
        String job = jobOf(line);
        Long end = job == null ? null : finished.get(job);
        boolean allFinished = job == null && !jobs.isEmpty()
            && finished.keySet().containsAll(jobs);
        if (end != null || allFinished) {
          throw new LedgerException(after + "; " + line.where() + ", " + line.type
              + (end != null ? ", is of job " + job + ", which ended with the signed"
              + " job_finished record " + end : ", names no job, and every job of this ledger"
              + " ended with a signed job_finished record")
              + ": a finished job's log gets no more records, so the coordinator did not write"
              + " " + (first == last ? "it" : "them"));
        }
      }
      if (policy == UnsignedTail.REFUSE) {
        throw new LedgerException(after + ", so " + (first == last ? "it" : "they")
            + " cannot be told from records appended by someone else; if the job is still"
            + " running, verify again once it has finished or accept the unsigned tail"
            + " explicitly");
      }
    }

    private static String jobOf(LedgerLine line) {
      JsonNode job = line.tree.get("job_id");
      return job != null && job.isTextual() ? job.textValue() : null;
    }

    void receipts(Path dir, Path file) throws LedgerException {
      List<ReceiptLog.Numbered> numbered;
      String name = dir.relativize(file).toString();
      try {
        numbered = ReceiptLog.open(file).readNumbered();
      } catch (IOException e) {
        throw new LedgerException("receipt file " + name + ": " + e.getMessage());
      }
      for (ReceiptLog.Numbered n : numbered) {
        if (!jobs.contains(n.receipt().jobId())) {
          otherJobReceipts++;
          otherJobs.add(n.receipt().jobId());
          continue;
        }
        check(n.receipt(), "receipt " + name + " line " + n.line());
        receipts++;
      }
    }

    private void check(Receipt r, String where) throws LedgerException {
      String at = where + " (" + r.participant() + ", job " + r.jobId() + " round " + r.round()
          + ")";
      long seq = r.roundClosedSequence();
      LedgerRules.ClosedRound round = rules.closedRound(seq);
      boolean pointsRight = round != null && round.key().job().equals(r.jobId())
          && round.key().round() == r.round();
      if (!pointsRight) {
        round = null;
        for (LedgerRules.ClosedRound c : rules.closedRounds()) {
          if (c.key().job().equals(r.jobId()) && c.key().round() == r.round()) {
            round = c;
          }
        }
      }
      if (round == null) {
        String there = seq > lines.size() ? "the ledger ends at record " + lines.size()
            : "record " + seq + " is a " + lines.get((int) seq - 1).type;
        throw new LedgerException(at + ": it points to record " + seq + " but " + there
            + ", and the ledger closes no round " + r.round() + " of job " + r.jobId()
            + ": the round it proves is not in the ledger");
      }
      Signer signer = signerAt(Math.min(seq, lines.size()));
      if (signer == null || !r.signatureValid(signer.key())) {
        throw new LedgerException(at + ": its signature does not verify with the signing key of"
            + " coordinator " + (signer == null ? "(none)" : "'" + signer.name()
            + "' (certificate in record " + signer.seq() + ")") + ": forged or altered");
      }
      int index = round.contributors().indexOf(r.participant());
      if (index < 0 || !round.hashes().get(index).equals(r.contributionHash())) {
        throw new LedgerException(at + ": its contribution " + r.contributionHash()
            + " is missing from the log: round_closed record " + round.seq() + " ("
            + round.key() + ") " + (index < 0 ? "does not list " + r.participant()
            + " among its contributors " + round.contributors()
            : "lists contribution " + round.hashes().get(index) + " for " + r.participant()));
      }
      if (!pointsRight) {
        throw new LedgerException(at + ": it points to record " + seq + ", but the ledger"
            + " closes that round in record " + round.seq()
            + ": records before it were inserted or deleted");
      }
      if (r.leafIndex() != index || r.treeSize() != round.contributors().size()
          || !r.merkleRoot().equals(round.root()) || !r.proofValid()) {
        throw new LedgerException(at + ": its inclusion proof (leaf " + r.leafIndex() + " of "
            + r.treeSize() + " under root " + r.merkleRoot() + ") does not match round_closed"
            + " record " + round.seq() + " (leaf " + index + " of "
            + round.contributors().size() + " under root " + round.root() + ")");
      }
    }

    private Signer signerAt(long seq) {
      Signer found = null;
      for (Signer s : signers) {
        if (s.seq() <= seq) {
          found = s;
        }
      }
      return found;
    }
  }
}
