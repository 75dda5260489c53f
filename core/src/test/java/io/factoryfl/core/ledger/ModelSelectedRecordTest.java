package io.factoryfl.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model_selected record: the writer (and so the coordinator) cannot log a choice that the
 * job's own evaluations contradict, and the verifier and the audit report accept and show a true
 * one. Job "job-1" commits four rounds evaluated at roc_auc 0.70, 0.90, 0.85, 0.90.
 */
class ModelSelectedRecordTest {
  private static final List<String> SITES = List.of("plant-1", "plant-2");
  private static final double[] ROC_AUC = {0.70, 0.90, 0.85, 0.90};

  @TempDir Path tmp;
  private LedgerFixture fx;
  private LedgerWriter w;

  @BeforeEach
  void fourEvaluatedRounds() throws IOException {
    fx = LedgerFixture.create(tmp);
    w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock);
    w.append("job_submitted", Map.of("job_id", "job-1", "name", "select", "spec_hash",
        LedgerFixture.hash("spec"), "by", "alice"));
    for (int round = 1; round <= ROC_AUC.length; round++) {
      closeRound(round);
      w.append("evaluation", Map.of("job_id", "job-1", "round", round, "participants", 2,
          "roc_auc", ROC_AUC[round - 1], "loss", 1.0 / round));
    }
  }

  private void closeRound(int round) throws IOException {
    w.append("round_opened", Map.of("job_id", "job-1", "round", round, "attempt", 1, "cohort", SITES));
    List<String> hashes = new ArrayList<>();
    for (String site : SITES) {
      String contribution = LedgerFixture.hash(site + " round " + round);
      w.append("contribution_accepted", Map.of("job_id", "job-1", "round", round, "attempt", 1,
          "participant", site, "contribution_hash", contribution));
      hashes.add(contribution);
    }
    w.appendSigned("round_closed", LedgerFixture.fields("job_id", "job-1", "round", round, "attempt", 1,
        "cohort_size", 2, "contributors", SITES, "merkle_root", MerkleTree.root(hashes),
        "aggregate_hash", LedgerFixture.hash("aggregate " + round), "model_hash", model(round),
        "metrics", Map.of("train_loss", 0.5), "secure_aggregation", Map.of("enabled", false)));
  }

  private static String model(int round) {
    return LedgerFixture.hash("model after round " + round);
  }

  private static Map<String, Object> selected(int round, String metric, String mode, Double value,
      int patience, boolean earlyStopped) {
    Map<String, Object> fields = new LinkedHashMap<>(LedgerFixture.fields("job_id", "job-1", "round", round,
        "model_hash", model(round), "metric", metric, "mode", mode, "patience", patience,
        "early_stopped", earlyStopped, "reason", "the best " + metric));
    if (value != null) {
      fields.put("value", value);
    }
    return fields;
  }

  private void assertRefused(Map<String, Object> fields, String... fragments) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> w.appendSigned("model_selected", fields));
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
  }

  private void finish(int round) throws IOException {
    w.appendSigned("job_finished", Map.of("job_id", "job-1", "state", "SUCCEEDED", "message", "done",
        "model_hash", model(round)));
    w.close();
  }

  @Test
  void theBestRoundByTheLoggedEvaluations_isAcceptedAndTheLogVerifies() throws IOException {
    w.appendSigned("model_selected", selected(2, "roc_auc", "max", 0.90, 2, true));
    finish(2);

    Verification v = LedgerVerifier.verify(fx.ledger, fx.ca.certificate(), null, fx.verifyClock);
    assertTrue(v.ok(), v.problem());
    String line = Files.readAllLines(fx.ledger, StandardCharsets.UTF_8).stream()
        .filter(l -> l.contains("\"type\":\"model_selected\"")).findFirst().orElseThrow();
    assertTrue(line.contains("\"sig\":"), "model_selected is signed: " + line);
  }

  @Test
  void aRoundEvaluatedAgainAfterARestart_countsWithItsLaterEvaluation() throws IOException {
    // the coordinator stopped after logging round 4's evaluation but before storing it, and
    // evaluated round 4 again when it resumed: the later value (0.95) is the one the job used
    w.append("evaluation", Map.of("job_id", "job-1", "round", 4, "participants", 2, "roc_auc", 0.95,
        "loss", 0.2));
    w.appendSigned("model_selected", selected(4, "roc_auc", "max", 0.95, 0, false));
    finish(4);
    Verification v = LedgerVerifier.verify(fx.ledger, fx.ca.certificate(), null, fx.verifyClock);
    assertTrue(v.ok(), v.problem());
  }

  @Test
  void aLaterRoundWithTheSameValue_isRefused_tiesKeepTheEarlierRound() {
    assertRefused(selected(4, "roc_auc", "max", 0.90, 0, false),
        "chose round 4, but by the logged evaluations round 2 is the best by max roc_auc (0.9)");
  }

  @Test
  void aRoundThatIsNotTheBest_isRefusedForEitherMode() {
    assertRefused(selected(1, "roc_auc", "max", 0.70, 0, false), "round 2 is the best");
    assertRefused(selected(1, "loss", "min", 1.0, 0, false), "round 4 is the best by min loss (0.25)");
  }

  @Test
  void aValueOtherThanTheLoggedOne_isRefused() {
    assertRefused(selected(2, "roc_auc", "max", 0.95, 0, false), "value 0.95 is not round 2's logged roc_auc (0.9)");
    assertRefused(selected(2, "roc_auc", "max", null, 0, false), "value missing");
  }

  @Test
  void anotherModelThanTheRoundCommitted_isRefused() {
    Map<String, Object> fields = selected(2, "roc_auc", "max", 0.90, 0, false);
    fields.put("model_hash", model(3));
    assertRefused(fields, "is not the model job job-1 round 2 committed");
  }

  @Test
  void aRoundNeverClosed_isRefused() {
    assertRefused(selected(7, "roc_auc", "max", 0.90, 0, false), "round 7 has no round_closed record");
  }

  @Test
  void earlyStopping_needsPatienceEvaluationsAfterTheBest() {
    assertRefused(selected(2, "roc_auc", "max", 0.90, 3, true),
        "early_stopped with patience 3, but 2 evaluations followed the best one");
    assertRefused(selected(2, "roc_auc", "max", 0.90, 0, true), "early_stopped with patience 0");
  }

  @Test
  void withoutAnyValueOfTheMetric_theLastCommittedRoundIsTheResult() throws IOException {
    assertRefused(selected(2, "pr_auc", "max", null, 0, false),
        "no evaluation of job job-1 logged a value of pr_auc, so its result is the last committed round 4");
    assertRefused(selected(4, "pr_auc", "max", 0.5, 0, false), "value 0.5 given");

    w.appendSigned("model_selected", selected(4, "pr_auc", "max", null, 0, false));
    finish(4);
    assertTrue(LedgerVerifier.verify(fx.ledger, fx.ca.certificate(), null, fx.verifyClock).ok());
  }

  @Test
  void jobFinishedWithAnotherModel_orASecondChoice_isRefused() throws IOException {
    w.appendSigned("model_selected", selected(2, "roc_auc", "max", 0.90, 0, false));

    assertRefused(selected(2, "roc_auc", "max", 0.90, 0, false), "already chose its model");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.appendSigned(
        "job_finished", Map.of("job_id", "job-1", "state", "SUCCEEDED", "message", "done", "model_hash", model(4))));
    assertTrue(e.getMessage().contains("is not the model " + model(2) + " that the model_selected record"),
        e.getMessage());
  }

  @Test
  void anUnsignedChoiceOrABadMode_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> w.append("model_selected", selected(2, "roc_auc", "max", 0.90, 0, false)));
    assertTrue(e.getMessage().contains("is not signed"), e.getMessage());
    assertRefused(selected(2, "roc_auc", "best", 0.90, 0, false), "\"mode\" must be \"max\" or \"min\"");
  }

  @Test
  void theAuditReport_showsTheChosenRoundAndWhy() throws IOException {
    w.appendSigned("model_selected", selected(2, "roc_auc", "max", 0.90, 2, true));
    finish(2);
    Path html = tmp.resolve("report.html");

    AuditReport.write(fx.ledger, html);

    String report = Files.readString(html, StandardCharsets.UTF_8);
    assertTrue(report.contains("<dt>Selected model</dt><dd>round 2 by max roc_auc = 0.9000, stopped early:"
        + " the best roc_auc</dd>"), report);
    assertEquals(1, report.split("Selected model", -1).length - 1);
  }
}
