package io.factoryfl.core.ledger;

import java.util.List;

/**
 * Checks that line {@code i} holds record {@code i + 1} and names the hash of line {@code i} as
 * its predecessor, and when it does not, works out from the neighbouring lines which record is
 * at fault and how: changed, deleted, inserted or swapped. A changed unsigned record only shows
 * at the next link, so the lines after it are consulted to tell "this record's prev was changed"
 * from "the record before it was changed".
 */
final class ChainCheck {

  private ChainCheck() {}

  /**
   * The problem with the link into {@code lines.get(i)}, or null if it is sound.
   *
   * @param lines every line of the ledger; null where a line did not parse. Lines before
   *     {@code i} are non-null (they passed).
   * @param signatureVerified whether line {@code i} carries a signature already verified, which
   *     vouches for its own prev
   * @param headHash the hash the signed head vouches for, or null
   */
  static String problem(List<LedgerLine> lines, int i, boolean signatureVerified,
      String headHash) {
    LedgerLine cur = lines.get(i);
    int lineNo = i + 1;
    String prevHash = i == 0 ? LedgerLine.ZERO_HASH : lines.get(i - 1).hash;
    LedgerLine next = i + 1 < lines.size() ? lines.get(i + 1) : null;
    boolean seqOk = cur.seq == lineNo;
    boolean prevOk = cur.prev.equals(prevHash);
    if (seqOk && prevOk) {
      return null;
    }
    if (seqOk) {
      if (i == 0) {
        return cur.where() + ": prev must be 64 zeros for the first record, is " + cur.prev
            + ": the record was changed, or records before it were deleted";
      }
      boolean vouched = signatureVerified || (next != null && next.prev.equals(cur.hash))
          || cur.hash.equals(headHash);
      LedgerLine before = lines.get(i - 1);
      if (vouched) {
        return before.where() + " was changed: its hash is " + before.hash + ", but "
            + cur.where() + " recorded " + cur.prev + " as the hash of the record before it";
      }
      return cur.where() + ": prev " + cur.prev + " is not the hash of " + before.where()
          + " (" + before.hash + "): this record was changed, or the one before it was replaced";
    }
    if (i > 0 && cur.seq == lines.get(i - 1).seq && cur.prev.equals(lines.get(i - 1).prev)) {
      LedgerLine twin = lines.get(i - 1);
      boolean curIsOriginal = signatureVerified || (next != null && next.prev.equals(cur.hash))
          || cur.hash.equals(headHash);
      if (curIsOriginal) {
        return twin.where() + " was inserted: " + cur.where() + " has the same seq and the same"
            + " predecessor, and the chain continues from it";
      }
      return twin.where() + " and " + cur.where() + " both claim to be record " + cur.seq
          + " after the same predecessor: one of them was inserted";
    }
    if (prevOk) {
      if (next != null && next.seq == lineNo && next.prev.equals(prevHash)) {
        return cur.where() + " was inserted: it follows the right predecessor but claims seq "
            + cur.seq + ", and record " + lineNo + " (line " + (lineNo + 1)
            + ") follows the same predecessor";
      }
      return cur.where() + ": seq is " + cur.seq + " but it follows " + (i == 0 ? "nothing"
          : lines.get(i - 1).where()) + ", so it must be record " + lineNo
          + ": its seq was changed, or it was inserted";
    }
    if (next != null && cur.seq == lineNo + 1 && next.seq == lineNo) {
      return "line " + lineNo + " holds record " + cur.seq + " and line " + (lineNo + 1)
          + " holds record " + next.seq + ": records " + lineNo + " and " + (lineNo + 1)
          + " were swapped";
    }
    if (cur.seq > lineNo) {
      return "record " + lineNo + " (line " + lineNo + ") is missing: line " + lineNo
          + " holds record " + cur.seq + ", whose prev does not match " + (i == 0
          ? "the start of the ledger" : lines.get(i - 1).where()) + ": "
          + (cur.seq == lineNo + 1 ? "record " + lineNo + " was"
          : "records " + lineNo + " to " + (cur.seq - 1) + " were")
          + " deleted, or the file was reordered";
    }
    return cur.where() + " is out of place: line " + lineNo + " must hold record " + lineNo
        + ": records were reordered, duplicated or inserted";
  }
}
