package io.factoryfl.core.ledger;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link LedgerVerifier#verify}.
 *
 * @param ok whether chain, signatures, signed head, Merkle roots and receipts all check, and
 *     any records after the last signed one were accepted on request
 * @param records how many ledger records were checked (all of them when ok), the unsigned tail
 *     included
 * @param rounds how many round_closed records were checked
 * @param receipts how many receipts were checked
 * @param problem null if ok; otherwise the first thing wrong, naming the record and its line,
 *     e.g. {@code "record 17 (line 17), round_closed: its signature does not verify ..."}, or
 *     the receipt file and line
 * @param unsignedTail how many records follow the last signed record: they are chained but no
 *     signature covers them, so changes to them (or records appended after them) cannot be told
 *     from genuine ones. Not 0 when ok only if the caller accepted the unsigned tail ({@link
 *     LedgerVerifier.UnsignedTail#ACCEPT}); not 0 when failed if the tail is why it failed.
 * @param otherJobReceipts how many receipts were skipped because they belong to jobs this
 *     ledger does not log (a site keeps the receipts of all its jobs in one place)
 * @param otherJobs those jobs' ids, sorted, each once
 * @param interruptions the coordinator restarts the log records (job_interrupted followed by
 *     job_resumed), one line each in log order, e.g. {@code "job job-1f2e: interrupted in round 3
 *     (attempt 1 of round 3 was in progress and is abandoned), resumed from round 2"}
 */
public record Verification(boolean ok, long records, long rounds, long receipts, String problem,
    long unsignedTail, long otherJobReceipts, List<String> otherJobs, List<String> interruptions) {

  public Verification {
    if (ok != (problem == null)) {
      throw new IllegalArgumentException("a verification has a problem exactly when it failed;"
          + " ok=" + ok + ", problem=" + problem);
    }
    if (records < 0 || rounds < 0 || receipts < 0 || unsignedTail < 0 || otherJobReceipts < 0
        || unsignedTail > records) {
      throw new IllegalArgumentException("counts must be >= 0 and the unsigned tail at most the"
          + " records; records=" + records + ", rounds=" + rounds + ", receipts=" + receipts
          + ", unsignedTail=" + unsignedTail + ", otherJobReceipts=" + otherJobReceipts);
    }
    otherJobs = List.copyOf(Objects.requireNonNull(otherJobs, "otherJobs"));
    interruptions = List.copyOf(Objects.requireNonNull(interruptions, "interruptions"));
  }

  public Verification(boolean ok, long records, long rounds, long receipts, String problem) {
    this(ok, records, rounds, receipts, problem, 0, 0, List.of(), List.of());
  }

  /** The seq of the first record of the unsigned tail, or 0 if there is none. */
  public long firstUnsigned() {
    return unsignedTail == 0 ? 0 : records - unsignedTail + 1;
  }
}
