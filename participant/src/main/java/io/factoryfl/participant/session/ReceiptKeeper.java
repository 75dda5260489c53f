package io.factoryfl.participant.session;

import io.factoryfl.core.ledger.Receipt;
import io.factoryfl.core.ledger.ReceiptLog;
import java.io.IOException;
import java.security.PublicKey;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The site's local receipt log: the coordinator's signed receipts for this site's contributions,
 * one JSON line each ({@link ReceiptLog}), forced to disk as they arrive. An auditor checks them
 * against the coordinator's ledger ({@code factoryfl audit verify --receipts}), so a ledger that
 * drops or alters this site's contribution is caught.
 *
 * <p>Each receipt is checked when it arrives: it must parse, name this site, carry the
 * signature of the coordinator's identity signing key ({@link CoordinatorSigningKey}) and an
 * inclusion proof that leads to its Merkle root. One that does not is logged here, at the site,
 * and never written to the log, so the log only ever holds receipts that prove something.
 *
 * <p>A receipt log that cannot be written (disk full, read-only) does not stop the site: the
 * checked receipts wait in memory, in order, and every later {@link #keep} (each poll) tries to
 * write them again. At most {@link #MAX_PENDING} wait; beyond that the oldest is dropped with a
 * SEVERE log line naming it. A write that failed after its line reached the file may leave the
 * receipt twice in the log, which the verifier accepts.
 */
final class ReceiptKeeper {
  private static final Logger LOG = LoggerFactory.getLogger(ReceiptKeeper.class);

  /** A receipt is under 1 KiB plus 65 bytes per proof level; far below this. */
  static final int MAX_RECEIPT_CHARS = 64 * 1024;
  /** Receipts kept in memory while the log cannot be written. */
  static final int MAX_PENDING = 4096;

  private final ReceiptLog log;
  private final String site;
  private final Supplier<Optional<PublicKey>> coordinatorKey;
  private final Supplier<String> whyNoKey;
  private final Deque<Receipt> pending = new ArrayDeque<>();
  private int warnedAt;

  /**
   * @param site this site's participant name: receipts for anyone else are refused
   * @param coordinatorKey the coordinator's signing key, when known
   * @param whyNoKey why the key is not known, for the log
   */
  ReceiptKeeper(ReceiptLog log, String site, Supplier<Optional<PublicKey>> coordinatorKey,
      Supplier<String> whyNoKey) {
    this.log = Objects.requireNonNull(log, "log");
    this.site = Objects.requireNonNull(site, "site");
    this.coordinatorKey = Objects.requireNonNull(coordinatorKey, "coordinatorKey");
    this.whyNoKey = Objects.requireNonNull(whyNoKey, "whyNoKey");
  }

  ReceiptKeeper(ReceiptLog log, String site, CoordinatorSigningKey coordinatorKey) {
    this(log, site, coordinatorKey::key, coordinatorKey::whyUnknown);
  }

  /**
   * Checks the receipts that arrived, then writes every valid one not yet written (including
   * those an earlier write failed on). Never throws for a bad receipt or an unwritable log.
   */
  synchronized void keep(List<String> receipts) {
    for (String text : receipts) {
      Receipt receipt = checked(text);
      if (receipt == null) {
        continue;
      }
      if (pending.size() == MAX_PENDING) {
        Receipt dropped = pending.removeFirst();
        LOG.error("receipt log " + log.file() + ": " + MAX_PENDING + " receipts are waiting"
            + " to be written; dropped the oldest (" + describe(dropped) + "). Free space or"
            + " fix the permissions of " + log.file());
      }
      pending.addLast(receipt);
    }
    flush();
  }

  /** How many checked receipts wait to be written. */
  synchronized int pending() {
    return pending.size();
  }

  private void flush() {
    int written = 0;
    while (!pending.isEmpty()) {
      try {
        log.append(pending.peekFirst());
      } catch (IOException | RuntimeException e) {
        if (pending.size() != warnedAt) {
          warnedAt = pending.size();
          LOG.warn("receipt log " + log.file() + " cannot be written (" + reason(e)
              + "); keeping " + pending.size() + " receipt(s) in memory and trying again at the"
              + " next poll. Free space or fix the permissions, or they are lost if the site"
              + " stops");
        }
        return;
      }
      pending.removeFirst();
      written++;
    }
    if (warnedAt != 0) {
      LOG.info("receipt log " + log.file() + " is writable again: wrote " + written
          + " receipt(s) kept in memory");
      warnedAt = 0;
    }
  }

  /** The receipt if it is valid for this site; otherwise null, logged. */
  private Receipt checked(String text) {
    if (text.length() > MAX_RECEIPT_CHARS) {
      refuse("a receipt of " + text.length() + " characters (at most " + MAX_RECEIPT_CHARS
          + ")");
      return null;
    }
    Receipt receipt;
    try {
      receipt = Receipt.fromJson(text);
    } catch (IllegalArgumentException e) {
      refuse("a malformed receipt (" + e.getMessage() + ")");
      return null;
    }
    String what = describe(receipt);
    if (!receipt.participant().equals(site)) {
      refuse(what + ": it is for '" + receipt.participant() + "', not this site ('" + site
          + "')");
      return null;
    }
    Optional<PublicKey> key = coordinatorKey.get();
    if (key.isEmpty()) {
      refuse(what + ": the coordinator's signing key is unknown, so it cannot be checked ("
          + whyNoKey.get() + ")");
      return null;
    }
    if (!receipt.signatureValid(key.get())) {
      refuse(what + ": its signature does not verify with the signing key of the coordinator"
          + " this site is connected to: forged or altered");
      return null;
    }
    if (!receipt.proofValid()) {
      refuse(what + ": its inclusion proof (leaf " + receipt.leafIndex() + " of "
          + receipt.treeSize() + ") does not lead to its Merkle root " + receipt.merkleRoot());
      return null;
    }
    return receipt;
  }

  private void refuse(String what) {
    LOG.warn("refused " + what + "; it is not kept in the receipt log " + log.file());
  }

  private static String describe(Receipt r) {
    return "the receipt for job " + r.jobId() + " round " + r.round() + " (contribution "
        + r.contributionHash() + ")";
  }

  private static String reason(Exception e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
