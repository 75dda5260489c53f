/**
 * The audit ledger (round log): append-only, hash-chained records in canonical JSON, signed by
 * the coordinator where it matters, with Merkle receipts for participants.
 *
 * <ul>
 *   <li>{@link io.factoryfl.core.ledger.LedgerRecord}: the file format and the record types;
 *   <li>{@link io.factoryfl.core.ledger.LedgerWriter}: the coordinator appends (and recovers);
 *   <li>{@link io.factoryfl.core.ledger.MerkleTree}, {@link io.factoryfl.core.ledger.Receipt},
 *       {@link io.factoryfl.core.ledger.ReceiptLog}: what participants keep;
 *   <li>{@link io.factoryfl.core.ledger.LedgerVerifier}: what auditors run;
 *   <li>{@link io.factoryfl.core.ledger.AuditReport}: the same for people, as one HTML page.
 * </ul>
 *
 * <p>These are audit events, structured and durable; they are kept apart from diagnostic
 * logging, which never carries them.
 */
package io.factoryfl.core.ledger;
