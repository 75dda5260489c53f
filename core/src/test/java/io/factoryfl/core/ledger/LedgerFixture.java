package io.factoryfl.core.ledger;

import io.factoryfl.core.params.ContentHash;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A realistic ledger for tests: a CA, a coordinator identity, and a job of three rounds with a
 * refusal, a dropout, a failed attempt, federated evaluations, an admin action and the job's
 * end, plus a cancelled second job; receipts for every contribution in
 * {@code receipts/<participant>.jsonl}.
 */
final class LedgerFixture {

  static final Instant T0 = Instant.parse("2025-03-01T08:00:00Z");
  static final List<String> SITES = List.of("plant-1", "plant-2", "plant-3", "plant-4");
  static final SecureRandom RANDOM = new SecureRandom(new byte[] {42});

  /** A clock that moves one second on every reading, so records get distinct times. */
  static final class StepClock extends Clock {
    private Instant now;

    StepClock(Instant start) {
      now = start;
    }

    @Override
    public synchronized Instant instant() {
      Instant t = now;
      now = now.plusSeconds(1);
      return t;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  final CertificateAuthority ca;
  final SigningIdentity coordinator;
  final StepClock clock = new StepClock(T0);
  /** The auditor's clock: a day after the job. */
  final Clock verifyClock = Clock.fixed(T0.plus(Duration.ofDays(1)), ZoneOffset.UTC);
  final Path ledger;
  final Path receipts;
  /** Participants whose contribution the coordinator silently drops in round 1. */
  final Set<String> droppedInRound1;

  private LedgerFixture(CertificateAuthority ca, SigningIdentity coordinator, Path ledger,
      Path receipts, Set<String> droppedInRound1) {
    this.ca = ca;
    this.coordinator = coordinator;
    this.ledger = ledger;
    this.receipts = receipts;
    this.droppedInRound1 = droppedInRound1;
  }

  static CertificateAuthority newCa(String federation) {
    return CertificateAuthority.create(federation, Clock.fixed(T0, ZoneOffset.UTC),
        Duration.ofDays(365), RANDOM);
  }

  static SigningIdentity coordinatorOf(CertificateAuthority ca) {
    return SigningIdentity.of(ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(30),
        List.of("localhost")));
  }

  /** A fresh CA and coordinator; nothing written yet. */
  static LedgerFixture create(Path dir) {
    CertificateAuthority ca = newCa("acme");
    return new LedgerFixture(ca, coordinatorOf(ca), dir.resolve("ledger.jsonl"),
        dir.resolve("receipts"), Set.of());
  }

  /** Same CA and coordinator, another ledger in which round 1 silently lacks {@code sites}. */
  LedgerFixture rewrittenWithout(Path dir, Set<String> sites) {
    return new LedgerFixture(ca, coordinator, dir.resolve("ledger.jsonl"),
        dir.resolve("receipts"), sites);
  }

  static String hash(String text) {
    return ContentHash.of(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes the whole standard ledger and the receipts; the last record is job_finished. */
  LedgerFixture writeStandard() throws IOException {
    try (LedgerWriter w = LedgerWriter.open(ledger, coordinator, clock)) {
      writeJobs(w);
    }
    return this;
  }

  void writeJobs(LedgerWriter w) throws IOException {
    w.append("job_submitted", Map.of("job_id", "job-1", "name", "bearing-failure",
        "spec_hash", hash("spec of job-1"), "by", "alice"));
    w.append("job_submitted", Map.of("job_id", "job-2", "name", "paint-defects",
        "spec_hash", hash("spec of job-2"), "by", "bob"));
    w.append("round_opened", Map.of("job_id", "job-2", "round", 1, "attempt", 0,
        "cohort", SITES));
    w.append("admin_action", Map.of("job_id", "job-2", "by", "bob", "action", "cancel"));
    w.appendSigned("job_finished", fields("job_id", "job-2", "state", "CANCELLED",
        "message", "cancelled by bob", "model_hash", null));
    // the feature-statistics phase reports its dropouts as round 0
    w.append("dropout", Map.of("job_id", "job-1", "round", 0, "attempt", 1,
        "participant", "plant-3", "stage", "stats", "reason", "timed_out: no answer in 30 s"));
    String model = hash("initial model");
    for (int round = 1; round <= 3; round++) {
      model = round(w, round, model);
    }
    w.appendSigned("job_finished", Map.of("job_id", "job-1", "state", "SUCCEEDED",
        "message", "3 rounds", "model_hash", model));
  }

  private String round(LedgerWriter w, int round, String model) throws IOException {
    int attempt = 0;
    if (round == 3) {
      w.append("round_opened", Map.of("job_id", "job-1", "round", 3, "attempt", 0,
          "cohort", SITES));
      w.append("round_failed", Map.of("job_id", "job-1", "round", 3, "attempt", 0,
          "reason", "only 1 of 4 sites answered; 3 needed"));
      attempt = 1;
    }
    if (round == 1) {
      w.append("refusal", Map.of("job_id", "job-1", "round", 1, "participant", "plant-5",
          "reason", "site policy requires secure aggregation with at least 5 sites"));
    }
    w.append("round_opened", Map.of("job_id", "job-1", "round", round, "attempt", attempt,
        "cohort", SITES));
    w.append("secagg_stage", Map.of("job_id", "job-1", "round", round, "attempt", attempt,
        "stage", "advertise_keys", "remaining", SITES, "dropped", List.of()));
    List<String> contributors = new ArrayList<>();
    Map<String, String> hashes = new LinkedHashMap<>();
    for (String site : SITES) {
      if (round == 2 && site.equals("plant-4")) {
        w.append("dropout", Map.of("job_id", "job-1", "round", 2, "attempt", attempt,
            "participant", site, "stage", "collect_updates", "reason", "deadline passed"));
        continue;
      }
      if (round == 1 && droppedInRound1.contains(site)) {
        // the dishonest coordinator pretends the site dropped out
        w.append("dropout", Map.of("job_id", "job-1", "round", 1, "attempt", attempt,
            "participant", site, "stage", "collect_updates", "reason", "deadline passed"));
        continue;
      }
      String contribution = hash("masked input of " + site + " in round " + round);
      w.append("contribution_accepted", Map.of("job_id", "job-1", "round", round,
          "attempt", attempt, "participant", site, "contribution_hash", contribution));
      contributors.add(site);
      hashes.put(site, contribution);
    }
    String newModel = hash("model after round " + round);
    Map<String, Object> closed = new LinkedHashMap<>();
    closed.put("job_id", "job-1");
    closed.put("round", round);
    closed.put("attempt", attempt);
    closed.put("cohort_size", SITES.size());
    closed.put("contributors", contributors);
    closed.put("merkle_root", MerkleTree.root(new ArrayList<>(hashes.values())));
    closed.put("aggregate_hash", hash("aggregate " + round));
    closed.put("model_hash", newModel);
    closed.put("metrics", Map.of("train_loss", 0.9 / round, "examples", 4000 * round));
    closed.put("secure_aggregation", Map.of("enabled", true, "neighbours", 3,
        "threshold", 2, "clip", 5.0, "bits", 32));
    LedgerRecord record = w.appendSigned("round_closed", closed);
    for (Receipt receipt : Receipt.forRound(record, hashes, coordinator)) {
      ReceiptLog.open(receipts.resolve(receipt.participant() + ".jsonl")).append(receipt);
    }
    w.append("evaluation", Map.of("job_id", "job-1", "round", round, "roc_auc",
        0.70 + 0.05 * round, "pr_auc", 0.4 + 0.1 * round, "loss", 0.8 / round,
        "accuracy", 0.8 + 0.03 * round, "participants", contributors.size()));
    if (round == 1) {
      // federated evaluation happens after the round closed; its dropouts name that round
      w.append("dropout", Map.of("job_id", "job-1", "round", 1, "attempt", attempt,
          "participant", "plant-2", "stage", "eval", "reason", "dropped: connection reset"));
    }
    return newModel;
  }

  /**
   * Writes another job's ledger at {@code otherLedger} (same CA and coordinator): one round of
   * {@code sites}, whose receipts go to {@code receiptsDir/<participant>.jsonl}, as a site that
   * took part in both jobs keeps them. The job is finished.
   */
  void writeOtherJob(Path otherLedger, Path receiptsDir, String jobId, List<String> sites)
      throws IOException {
    try (LedgerWriter w = LedgerWriter.open(otherLedger, coordinator, clock)) {
      w.append("job_submitted", Map.of("job_id", jobId, "name", "other", "spec_hash",
          hash("spec of " + jobId), "by", "carol"));
      w.append("round_opened", Map.of("job_id", jobId, "round", 1, "attempt", 0,
          "cohort", sites));
      Map<String, String> hashes = new LinkedHashMap<>();
      for (String site : sites) {
        String contribution = hash(jobId + " input of " + site);
        w.append("contribution_accepted", Map.of("job_id", jobId, "round", 1, "attempt", 0,
            "participant", site, "contribution_hash", contribution));
        hashes.put(site, contribution);
      }
      Map<String, Object> closed = new LinkedHashMap<>();
      closed.put("job_id", jobId);
      closed.put("round", 1);
      closed.put("attempt", 0);
      closed.put("cohort_size", sites.size());
      closed.put("contributors", sites);
      closed.put("merkle_root", MerkleTree.root(new ArrayList<>(hashes.values())));
      closed.put("aggregate_hash", hash("aggregate of " + jobId));
      closed.put("model_hash", hash("model of " + jobId));
      closed.put("metrics", Map.of("train_loss", 0.5));
      closed.put("secure_aggregation", Map.of("enabled", false));
      LedgerRecord record = w.appendSigned("round_closed", closed);
      for (Receipt receipt : Receipt.forRound(record, hashes, coordinator)) {
        ReceiptLog.open(receiptsDir.resolve(receipt.participant() + ".jsonl")).append(receipt);
      }
      w.appendSigned("job_finished", Map.of("job_id", jobId, "state", "SUCCEEDED",
          "message", "1 round", "model_hash", hash("model of " + jobId)));
    }
  }

  static Map<String, Object> fields(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put((String) keyValues[i], keyValues[i + 1]);
    }
    return m;
  }

  Verification verify() throws IOException {
    return LedgerVerifier.verify(ledger, ca.certificate(), receipts, verifyClock);
  }

  Verification verifyWithoutReceipts() throws IOException {
    return LedgerVerifier.verify(ledger, ca.certificate(), null, verifyClock);
  }

  /** As an auditor checks the log of a job still running: its unsigned tail accepted. */
  Verification verifyRunning() throws IOException {
    return LedgerVerifier.verify(ledger, LedgerWriter.headFile(ledger), ca.certificate(), null,
        verifyClock, LedgerVerifier.UnsignedTail.ACCEPT);
  }
}
