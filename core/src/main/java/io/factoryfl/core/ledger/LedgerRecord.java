package io.factoryfl.core.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One record of the audit ledger: its sequence number, type, the exact line as written (without
 * the newline) and the SHA-256 of that line.
 *
 * <h2>File format</h2>
 *
 * <p>A ledger is a UTF-8 text file, one record per line, every line ending in {@code '\n'}.
 * Line {@code n} holds the record with {@code "seq":n}; the first is 1. Each line is the
 * canonical JSON (keys sorted, no white space; see below) of one object:
 *
 * <pre>
 * {"prev":"&lt;64 hex&gt;","seq":n,["sig":"&lt;base64&gt;",]"time":"&lt;ISO-8601 instant&gt;","type":"&lt;type&gt;", ...fields}
 * </pre>
 *
 * <p>(the fields of the record type are merged in key order, so "sig" may be preceded or
 * followed by some of them).
 *
 * <ul>
 *   <li><b>hash</b> of a record: SHA-256, lower-case hex, of the exact bytes of its line
 *       without the {@code '\n'}.
 *   <li><b>prev</b>: the hash of the record before; 64 {@code '0'} for record 1. Changing,
 *       deleting, inserting or reordering any record therefore breaks the link to the next.
 *   <li><b>sig</b> (present on signed records): standard base64 with padding of the Ed25519
 *       signature (RFC 8032) over the line with the member {@code ,"sig":"..."} removed, which
 *       is the canonical JSON of the record without "sig". The key is the identity signing key
 *       bound into the coordinator certificate (see {@code SigningIdentity}) carried by the
 *       latest {@code ledger_opened} or {@code ledger_reopened} record at or before it. Because
 *       a signed record includes {@code prev}, its signature covers every record before it.
 *   <li><b>time</b>: the coordinator's clock when the record was appended ({@link
 *       java.time.Instant#toString()}).
 *   <li><b>canonical JSON</b>: keys sorted by UTF-16 code units, no white space, only {@code "}
 *       {@code \} and control characters escaped; integers in decimal, other numbers as Java's
 *       {@code Double.toString}, non-finite numbers as the strings "NaN", "Infinity",
 *       "-Infinity".
 * </ul>
 *
 * <p><b>Signed head.</b> Next to the ledger, {@code <ledger>.head} holds one line {@code
 * {"hash":"<hex>","seq":n,"sig":"<base64>","type":"ledger_head"}}: the last signed record,
 * signed again by the coordinator and replaced atomically after that record was forced to disk.
 * A prefix of a valid chain is itself a valid chain, so this file is what lets {@code audit
 * verify} notice records deleted from the end. Records after the head's are unsigned records
 * appended since (or a signed record whose head update a crash interrupted); nothing but a
 * later signature protects them.
 *
 * <p><b>Durability.</b> Unsigned records are written to the operating system at once; signed
 * records force the file (and so every record before them) to disk before the head moves. A
 * crash can leave a torn last line without its newline; {@link LedgerWriter#open} reports it,
 * cuts it off and records that it did in its {@code ledger_reopened} record.
 *
 * <h2>Record types</h2>
 *
 * <p>All fields are required unless marked optional; S marks records that must be signed.
 *
 * <table>
 *   <caption>Record types</caption>
 *   <tr><th>type</th><th>fields</th></tr>
 *   <tr><td>ledger_opened S</td><td>coordinator (certificate CN), certificate (base64 DER of
 *       the coordinator certificate, role coordinator, with a bound signing key)</td></tr>
 *   <tr><td>ledger_reopened S</td><td>coordinator, certificate (as above; may be a renewed
 *       certificate of the same coordinator), torn_bytes (bytes cut off the end, 0 if none),
 *       torn_sha256 (optional: SHA-256 of those bytes)</td></tr>
 *   <tr><td>job_submitted</td><td>job_id, name, spec_hash, by</td></tr>
 *   <tr><td>round_opened</td><td>job_id, round, attempt, cohort[] (participant names)</td></tr>
 *   <tr><td>secagg_stage</td><td>job_id, round, attempt, stage, remaining[], dropped[]</td></tr>
 *   <tr><td>contribution_accepted</td><td>job_id, round, attempt, participant,
 *       contribution_hash (64 hex: SHA-256 of what the participant sent)</td></tr>
 *   <tr><td>dropout</td><td>job_id, round, attempt, participant, stage, reason (a member
 *       of a secure round that the coordinator excluded for a message failing its checks has
 *       a reason starting "rejected: excluded from the session: ")</td></tr>
 *   <tr><td>secagg_share_discarded</td><td>job_id, round, attempt, participant (who revealed
 *       the share), about (whose secret), reason</td></tr>
 *   <tr><td>refusal</td><td>job_id, round, participant, reason</td></tr>
 *   <tr><td>round_failed</td><td>job_id, round, attempt, reason</td></tr>
 *   <tr><td>round_closed S</td><td>job_id, round, attempt, cohort_size, contributors[] (leaf
 *       order), merkle_root ({@link MerkleTree#root} of the contributors' contribution hashes
 *       in that order), aggregate_hash, model_hash, metrics{train_loss, ...},
 *       secure_aggregation{enabled, neighbours, threshold, clip, bits}</td></tr>
 *   <tr><td>evaluation</td><td>job_id, round, roc_auc, pr_auc, loss, accuracy,
 *       participants</td></tr>
 *   <tr><td>admin_action</td><td>job_id, by, action</td></tr>
 *   <tr><td>model_selected S</td><td>job_id, round, model_hash, metric, mode ("max" or
 *       "min"), value (optional: the metric at that round; absent when no evaluation had one),
 *       patience (0: no early stopping), early_stopped (boolean), reason. Written when a job
 *       with a {@code select} spec ends, before job_finished.</td></tr>
 *   <tr><td>job_finished S</td><td>job_id, state, message, model_hash (may be null; the
 *       chosen model when a model_selected record precedes it)</td></tr>
 *   <tr><td>job_interrupted S</td><td>job_id, round (in progress when the coordinator
 *       stopped; 0 for the feature statistics), last_attempt (its highest attempt in the log, 0 if
 *       none), detail (what of it was dropped). Written by a restarted coordinator.</td></tr>
 *   <tr><td>job_resumed S</td><td>job_id, committed_round (must be the last round the log
 *       closed for the job, 0 if none), model_hash (that round's model; the initial model or ""
 *       for round 0), next_round, and optionally continued_attempt: the attempt of next_round
 *       whose secure-aggregation session the job carries on (the job_interrupted record's
 *       last_attempt, in its round; that attempt is not opened again). The job's later attempts
 *       carry new attempt numbers.</td></tr>
 * </table>
 *
 * <p>Rules checked by the writer (before appending) and the verifier: job_id, participant and
 * the other names are non-empty strings; round and attempt are whole numbers &ge; 0 (round
 * &ge; 1 is usual); a round (job_id, round, attempt) is opened once; contribution_accepted needs
 * that round opened and not closed and the participant in its cohort, and a participant
 * contributes at most once per attempt (dropout and refusal records may name any round, such as
 * round 0 for feature statistics or a closed round for evaluation); a round_closed needs the
 * round opened and not closed,
 * distinct contributors that each have a contribution_accepted in the same attempt, the Merkle
 * root of their hashes, and every other accepted contribution of that attempt explained by a
 * dropout (same attempt) or refusal (same round) of that participant. A model_selected names a
 * committed round of its job and that round's model_hash, once per job; its round is the best
 * by the job's evaluation records before it (metric and mode as recorded; strictly better, ties
 * keep the earlier round; evaluations with 0 participants skipped), or, when none has a value of
 * the metric, the job's last closed round; early_stopped needs at least patience (&ge; 1)
 * evaluations after the best; the job's job_finished then carries the same model_hash. Ledgers
 * without model_selected records (older coordinators, jobs without {@code select}) need none.
 * Unknown types are accepted (only chained and, if signed, checked).
 *
 * @param sequence the record's {@code seq}, 1 for the first line
 * @param type the record type, e.g. {@code "round_closed"}
 * @param json the line exactly as in the file, without the newline
 * @param hash SHA-256 hex of {@code json}'s UTF-8 bytes: the next record's {@code prev}
 */
public record LedgerRecord(long sequence, String type, String json, String hash) {

  static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public LedgerRecord {
    if (sequence < 1) {
      throw new IllegalArgumentException("sequence must be >= 1, was " + sequence);
    }
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(hash, "hash");
    if (!HEX64.matcher(hash).matches()) {
      throw new IllegalArgumentException(
          "hash must be 64 lower-case hex digits (SHA-256), was '" + hash + "'");
    }
  }

  /** Whether the record carries a coordinator signature. */
  public boolean signed() {
    return fields().containsKey("sig");
  }

  /**
   * The record's members (including seq, type, time, prev and sig) as plain Java values: String,
   * Integer/Long/BigInteger, Double, Boolean, List, Map, null. A fresh mutable copy each call.
   */
  public Map<String, Object> fields() {
    try {
      return MAPPER.readValue(json, new TypeReference<Map<String, Object>>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("record " + sequence + " is not a JSON object", e);
    }
  }
}
