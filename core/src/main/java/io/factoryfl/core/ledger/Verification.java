package io.factoryfl.core.ledger;

/**
 * The outcome of {@link LedgerVerifier#verify}.
 *
 * @param ok whether chain, signatures, signed head, Merkle roots and receipts all check
 * @param records how many ledger records were checked (all of them when ok)
 * @param rounds how many round_closed records were checked
 * @param receipts how many receipts were checked
 * @param problem null if ok; otherwise the first thing wrong, naming the record and its line,
 *     e.g. {@code "record 17 (line 17), round_closed: its signature does not verify ..."}, or
 *     the receipt file and line
 * @param unsignedTail how many records follow the last signed record: they are chained but no
 *     signature covers them yet, so changes to them (or records appended after them) cannot be
 *     told from genuine ones until the coordinator signs the next record
 */
public record Verification(boolean ok, long records, long rounds, long receipts, String problem,
    long unsignedTail) {

  public Verification {
    if (ok != (problem == null)) {
      throw new IllegalArgumentException("a verification has a problem exactly when it failed;"
          + " ok=" + ok + ", problem=" + problem);
    }
  }

  public Verification(boolean ok, long records, long rounds, long receipts, String problem) {
    this(ok, records, rounds, receipts, problem, 0);
  }
}
