package io.factoryfl.coordinator.job;

import io.factoryfl.coordinator.registry.ParticipantRegistry;
import io.factoryfl.coordinator.store.RoundLogStore;
import io.factoryfl.coordinator.store.StoreException;
import io.factoryfl.coordinator.store.StoreFailures;
import io.factoryfl.coordinator.strategy.EvaluationSummary;
import io.factoryfl.core.job.SecureAggregationSpec;
import io.factoryfl.core.job.SelectionSpec;
import io.factoryfl.core.ledger.LedgerRecord;
import io.factoryfl.core.ledger.LedgerWriter;
import io.factoryfl.core.ledger.MerkleTree;
import io.factoryfl.core.ledger.Receipt;
import io.factoryfl.core.security.SigningIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A job's round log for auditors (format and record types in {@link LedgerRecord}): everything
 * that decided the job's models, written as it happens, each record chained to the one before.
 * Round-closed and job-finished records are signed by the coordinator and made durable (forced to
 * disk, or committed in the database) before the new model is acknowledged, so a crash never leaves a committed model the log does not show.
 * Each contributor of a closed round is sent a signed receipt with its Merkle inclusion proof.
 *
 * <p>Audit events are kept apart from diagnostic logging: nothing here goes to the log, and a
 * failure to write the ledger fails the job rather than letting it run unrecorded.
 */
final class RoundLog implements AutoCloseable {
  private final String jobId;
  private final LedgerWriter ledger;
  private final SigningIdentity coordinator;
  private final ParticipantRegistry registry;

  private RoundLog(String jobId, LedgerWriter ledger, SigningIdentity coordinator,
      ParticipantRegistry registry) {
    this.jobId = jobId;
    this.ledger = ledger;
    this.coordinator = coordinator;
    this.registry = registry;
  }

  static RoundLog open(RoundLogStore logs, String jobId, SigningIdentity coordinator, Clock clock,
      ParticipantRegistry registry) {
    try {
      return new RoundLog(jobId, LedgerWriter.open(logs.open(jobId), coordinator, clock), coordinator, registry);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the round log of job " + jobId + ": " + e.getMessage(), e);
    }
  }

  void jobSubmitted(String name, String specHash, String by) {
    append("job_submitted", fields("name", name, "spec_hash", specHash, "by", by));
  }

  void roundOpened(int round, int attempt, List<String> cohort) {
    append("round_opened", fields("round", round, "attempt", attempt, "cohort", cohort));
  }

  void secAggStage(int round, int attempt, String stage, List<String> remaining, List<String> dropped) {
    append("secagg_stage", fields("round", round, "attempt", attempt, "stage", stage,
        "remaining", remaining, "dropped", dropped));
  }

  void contribution(int round, int attempt, String participant, String contributionHash) {
    append("contribution_accepted", fields("round", round, "attempt", attempt,
        "participant", participant, "contribution_hash", contributionHash));
  }

  void dropout(int round, int attempt, String participant, String stage, String reason) {
    append("dropout", fields("round", round, "attempt", attempt, "participant", participant,
        "stage", stage, "reason", reason));
  }

  /**
   * A revealed share left out of a secure round's reconstruction because it is inconsistent with
   * the other shares of its secret; {@code revealer} sent it, {@code about} owns the secret.
   */
  void shareDiscarded(int round, int attempt, String revealer, String about, String reason) {
    append("secagg_share_discarded", fields("round", round, "attempt", attempt, "participant", revealer,
        "about", about, "reason", reason));
  }

  void refusal(int round, String participant, String reason) {
    append("refusal", fields("round", round, "participant", participant, "reason", reason));
  }

  void roundFailed(int round, int attempt, String reason) {
    append("round_failed", fields("round", round, "attempt", attempt, "reason", reason));
  }

  /**
   * Signs and forces the round's closing record, then sends each contributor its receipt.
   *
   * @param contributions participant to contribution hash, in leaf order
   */
  void roundClosed(int round, int attempt, int cohortSize, Map<String, String> contributions,
      String aggregateHash, String modelHash, Map<String, Double> metrics,
      SecureAggregationSpec secure, Integer neighbours, Integer threshold) {
    Map<String, Object> secagg = new LinkedHashMap<>();
    secagg.put("enabled", secure.enabled());
    if (secure.enabled()) {
      secagg.put("neighbours", neighbours);
      secagg.put("threshold", threshold);
      secagg.put("clip", secure.clip());
      secagg.put("bits", secure.bits());
      secagg.put("max_examples", secure.maxExamples());
    }
    Map<String, Object> finiteMetrics = new LinkedHashMap<>();
    metrics.forEach((name, value) -> {
      if (value != null && Double.isFinite(value)) {
        finiteMetrics.put(name, value);
      }
    });
    List<String> contributors = new ArrayList<>(contributions.keySet());
    LedgerRecord closed = appendSigned("round_closed", fields("round", round, "attempt", attempt,
        "cohort_size", cohortSize, "contributors", contributors,
        "merkle_root", MerkleTree.root(new ArrayList<>(contributions.values())),
        "aggregate_hash", aggregateHash, "model_hash", modelHash, "metrics", finiteMetrics,
        "secure_aggregation", secagg));
    for (Receipt receipt : Receipt.forRound(closed, contributions, coordinator)) {
      registry.sendReceipt(receipt.participant(), receipt.toJson());
    }
  }

  /**
   * The round's federated evaluation: every finite metric of the task at the top level (as {@code
   * roc_auc}, {@code rmse} or {@code recall[CLASS]}), and a classifier's confusion matrix.
   */
  void evaluation(int round, EvaluationSummary summary) {
    Map<String, Object> fields = fields("round", round, "participants", summary.participants(),
        "num_examples", summary.numExamples());
    summary.metrics().values().forEach((name, value) -> putFinite(fields, name, value));
    if (summary.metrics().confusion().length > 0) {
      List<List<Long>> confusion = new java.util.ArrayList<>();
      for (long[] row : summary.metrics().confusion()) {
        confusion.add(java.util.Arrays.stream(row).boxed().toList());
      }
      fields.put("confusion", confusion);
    }
    append("evaluation", fields);
  }

  /**
   * Signs and forces which round's model is the job's result and why ({@code select}).
   *
   * @param value the metric at that round, NaN when no evaluation gave one (then omitted)
   */
  void modelSelected(int round, String modelHash, SelectionSpec selection, double value, boolean earlyStopped,
      String reason) {
    Map<String, Object> fields = fields("round", round, "model_hash", modelHash, "metric", selection.metric(),
        "mode", selection.mode().key(), "patience", selection.patience(), "early_stopped", earlyStopped,
        "reason", reason);
    putFinite(fields, "value", value);
    appendSigned("model_selected", fields);
  }

  /**
   * Signs and forces that the coordinator stopped while the job ran (a crash, or a shutdown that
   * left the job to resume): the round in progress, its last attempt, and what of that round is
   * dropped. Written by the restarted coordinator before {@link #jobResumed}.
   */
  void jobInterrupted(int round, int lastAttempt, String detail) {
    appendSigned("job_interrupted", fields("round", round, "last_attempt", lastAttempt, "detail", detail));
  }

  /**
   * Signs and forces that the job carries on after {@link #jobInterrupted}: from {@code
   * committedRound}'s model (0: the initial model or, before round 0, nothing), running {@code
   * nextRound} next with fresh attempts (a secure round gets new keys and a new session), or, when
   * {@code continuedAttempt} is above 0, first carrying on that attempt's secure session.
   */
  void jobResumed(int committedRound, String modelHash, int nextRound, int continuedAttempt) {
    Map<String, Object> fields = fields("committed_round", committedRound,
        "model_hash", modelHash == null ? "" : modelHash, "next_round", nextRound);
    if (continuedAttempt > 0) {
      fields.put("continued_attempt", continuedAttempt);
    }
    appendSigned("job_resumed", fields);
  }

  /** The contribution_accepted records of {@code round}'s {@code attempt}: participant to hash. */
  Map<String, String> contributions(int round, int attempt) {
    Map<String, String> accepted = new java.util.LinkedHashMap<>();
    for (LedgerRecord record : ledger.records()) {
      Map<String, Object> f = record.fields();
      if (record.type().equals("contribution_accepted") && f.get("round") instanceof Number r
          && r.intValue() == round && f.get("attempt") instanceof Number a && a.intValue() == attempt) {
        accepted.put(String.valueOf(f.get("participant")), String.valueOf(f.get("contribution_hash")));
      }
    }
    return accepted;
  }

  /** Whether this job's log has a job_submitted record (a crash can come between store and log). */
  boolean hasSubmission() {
    return ledger.records().stream().anyMatch(record -> record.type().equals("job_submitted"));
  }

  /** The highest attempt of {@code round} any record of this log names; 0 if none. */
  int lastAttempt(int round) {
    int last = 0;
    for (LedgerRecord record : ledger.records()) {
      Map<String, Object> f = record.fields();
      if (f.get("round") instanceof Number r && r.intValue() == round && f.get("attempt") instanceof Number a) {
        last = Math.max(last, a.intValue());
      }
    }
    return last;
  }

  /** Whether this log's round_closed record of {@code round} committed {@code modelHash}. */
  boolean closed(int round, String modelHash) {
    for (LedgerRecord record : ledger.records()) {
      Map<String, Object> f = record.fields();
      if (record.type().equals("round_closed") && f.get("round") instanceof Number r && r.intValue() == round
          && modelHash.equals(f.get("model_hash"))) {
        return true;
      }
    }
    return false;
  }

  /** Whether this log has the job's model_selected record (a log takes one per job). */
  boolean selected() {
    return ledger.records().stream().anyMatch(record -> record.type().equals("model_selected"));
  }

  /** The job's job_finished record's fields, if the log has one. */
  java.util.Optional<Map<String, Object>> finished() {
    return ledger.records().stream().filter(record -> record.type().equals("job_finished"))
        .map(LedgerRecord::fields).reduce((first, second) -> second);
  }

  void adminAction(String by, String action) {
    append("admin_action", fields("by", by, "action", action));
  }

  void jobFinished(String state, String message, String modelHash) {
    appendSigned("job_finished", fields("state", state, "message", message,
        "model_hash", modelHash == null ? "" : modelHash));
  }

  @Override
  public void close() {
    try {
      ledger.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close the round log " + ledger.name(), e);
    }
  }

  private Map<String, Object> fields(Object... pairs) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("job_id", jobId);
    for (int i = 0; i < pairs.length; i += 2) {
      fields.put((String) pairs[i], pairs[i + 1]);
    }
    return fields;
  }

  private static void putFinite(Map<String, Object> fields, String name, double value) {
    if (Double.isFinite(value)) {
      fields.put(name, value);
    }
  }

  private void append(String type, Map<String, Object> fields) {
    try {
      ledger.append(type, fields);
    } catch (IOException e) {
      throw failed(type, e);
    }
  }

  private LedgerRecord appendSigned(String type, Map<String, Object> fields) {
    try {
      return ledger.appendSigned(type, fields);
    } catch (IOException e) {
      throw failed(type, e);
    }
  }

  /** A failed write, naming the log, the resource and the fix (a full disk, a read-only directory, the database). */
  private StoreException failed(String type, IOException e) {
    return StoreFailures.files("write a " + type + " record", "round log " + ledger.name(), ledger.name(), e);
  }
}
