package io.factoryfl.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factoryfl.coordinator.registry.ParticipantRegistry;
import io.factoryfl.coordinator.store.EmbeddedStore;
import io.factoryfl.coordinator.store.JobCheckpoint;
import io.factoryfl.coordinator.store.JobSubmission;
import io.factoryfl.coordinator.store.FileModelStore;
import io.factoryfl.coordinator.store.FileRoundLogs;
import io.factoryfl.coordinator.strategy.EvaluationSummary;
import io.factoryfl.coordinator.task.TaskBoard;
import io.factoryfl.core.job.BestRound;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.core.job.SelectionSpec;
import io.factoryfl.core.ledger.LedgerVerifier;
import io.factoryfl.core.ledger.LedgerWriter;
import io.factoryfl.core.ledger.Verification;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.task.EvaluationMetrics;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.JobStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator restarting on a store and round logs that a crashed one left behind: the real
 * scheduler, embedded store, model store and round logs, with each job's history written as the
 * crashed coordinator wrote it. No site connects, so a job that would wait for its sites instead of
 * finishing ends FAILED after its two-second start timeout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JobRestartTest {
  private static final Clock CLOCK = Clock.systemUTC();
  private static final List<String> SITES = List.of("plant-a", "plant-b");
  /** 2 inputs, one hidden layer of 3, 2 classes: 17 parameters. */
  private static final int DIMENSION = 17;

  private static final String SPEC = """
      {"name": "restart", "model": {"template": "mlp", "hidden_layers": [3]},
       "dataset": {"name": "ai4i", "numeric_features": ["x1", "x2"], "label": "y"},
       "rounds": %d, "participants": {"min": 2, "max": 2}, "round_deadline_seconds": 20,
       "max_round_attempts": 1, "start_timeout_seconds": 2, "secure_aggregation": {"enabled": false},
       "server_momentum": 0, "max_examples_per_site": 10, "select": %s}""";

  @TempDir Path data;
  private CertificateAuthority ca;
  private SigningIdentity identity;
  private Federation federation;
  private EmbeddedStore store;
  private JobScheduler scheduler;

  @BeforeEach
  void crashedCoordinator() throws Exception {
    ca = CertificateAuthority.create("restart", CLOCK, Duration.ofDays(2), new SecureRandom());
    identity = SigningIdentity.of(ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1), List.of()));
    federation = new Federation(new ParticipantRegistry(CLOCK, Duration.ofSeconds(30)), new TaskBoard(),
        new FileModelStore(data), CLOCK, 16, new FileRoundLogs(data.resolve("ledgers")), identity);
    store = EmbeddedStore.open(data);
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (scheduler != null) {
      scheduler.close();
    } else {
      store.close();
    }
  }

  // ---- a crash while the job was ending ------------------------------------------------------

  @Test
  void aJobWhoseLastRoundIsDone_andWhoseModelIsSelected_finishesOnRestart_withoutSelectingAgain() throws Exception {
    History job = history("job-ended", 2, "{\"metric\": \"roc_auc\"}", new double[] {0.9, 0.7});
    job.log.modelSelected(1, job.models.get(1), job.selection(), 0.9, false, "the result is round 1");
    crash(job, job.checkpoint);

    JobRun run = restart("job-ended");

    assertEquals(JobState.JOB_STATE_SUCCEEDED, run.status().getState(), run.status().getMessage());
    assertEquals("completed 2 rounds; the result is round 1, the best by max roc_auc (0.9000)",
        run.status().getMessage());
    assertEquals(1, run.resultRound());
    assertEndedOnce("job-ended", job.models.get(1));
  }

  @Test
  void aJobThatStoppedEarly_isNotResumedForItsRemainingRounds() throws Exception {
    History job = history("job-early", 5, "{\"metric\": \"roc_auc\", \"patience\": 2}",
        new double[] {0.8, 0.7, 0.6});
    job.log.modelSelected(1, job.models.get(1), job.selection(), 0.8, true, "stopped early");
    crash(job, job.checkpoint);

    JobRun run = restart("job-early");

    assertEquals(JobState.JOB_STATE_SUCCEEDED, run.status().getState(), run.status().getMessage());
    assertTrue(run.status().getMessage().startsWith("stopped early after round 3 of 5"), run.status().getMessage());
    assertEquals(3, run.status().getCompletedRounds());
    assertEndedOnce("job-early", job.models.get(1));
  }

  @Test
  void aJobCancelledJustBeforeTheCrash_endsCancelledAsDecided() throws Exception {
    History job = history("job-cancelled", 5, "{\"metric\": \"roc_auc\"}", new double[] {0.6, 0.8});
    job.log.modelSelected(2, job.models.get(2), job.selection(), 0.8, false, "the result is round 2");
    crash(job, job.checkpoint.withEnding(new JobCheckpoint.Ending(JobCheckpoint.State.CANCELLED,
        "cancelled by engineer-1")));

    JobRun run = restart("job-cancelled");

    assertEquals(JobState.JOB_STATE_CANCELLED, run.status().getState(), run.status().getMessage());
    assertEquals("cancelled by engineer-1", run.status().getMessage());
    assertEndedOnce("job-cancelled", job.models.get(2));
  }

  @Test
  void aJobWhoseRoundsAreAllCommitted_butNotYetSelected_selectsAndFinishesWithoutItsSites() throws Exception {
    History job = history("job-done", 2, "{\"metric\": \"roc_auc\"}", new double[] {0.6, 0.8});
    crash(job, job.checkpoint);

    JobRun run = restart("job-done");

    assertEquals(JobState.JOB_STATE_SUCCEEDED, run.status().getState(), run.status().getMessage());
    assertEquals(2, run.resultRound());
    assertEndedOnce("job-done", job.models.get(2));
  }

  // ---- jobs that cannot be resumed -------------------------------------------------------------

  @Test
  void aJobThatFailsToResume_releasesItsRoundLog_andTheOthersResume() throws Exception {
    History broken = history("job-broken", 3, "{\"metric\": \"roc_auc\"}", new double[] {0.6});
    crash(broken, broken.checkpoint.withPrepared(new JobCheckpoint.Prepared(2, "0".repeat(64)))
        .committingPrepared()); // round 2's model never reached the model store
    History healthy = history("job-healthy", 1, "{\"metric\": \"roc_auc\"}", new double[] {0.6});
    crash(healthy, healthy.checkpoint);

    JobRun run = restart("job-broken");

    assertEquals(JobState.JOB_STATE_FAILED, run.status().getState());
    assertTrue(run.status().getMessage().startsWith("the job could not be resumed after the coordinator restarted"),
        run.status().getMessage());
    LedgerWriter.open(data.resolve("ledgers").resolve("job-broken" + ".jsonl"), identity, CLOCK).close(); // not locked any more
    JobRun other = awaitEnd(scheduler.find("job-healthy").orElseThrow());
    assertEquals(JobState.JOB_STATE_SUCCEEDED, other.status().getState(), other.status().getMessage());
  }

  @Test
  void aJobWhoseStoredSpecIsDamaged_isListedFailedWithTheFix_andTheCoordinatorStarts() throws Exception {
    store.jobs().create(new JobSubmission("job-damaged", "damaged", "{\"name\": \"damaged\", \"rounds\": ",
        "0".repeat(64), "engineer-1", Instant.EPOCH));
    store.jobs().save("job-damaged", JobCheckpoint.submitted().withState(JobCheckpoint.State.RUNNING, ""));
    History healthy = history("job-healthy", 1, "{\"metric\": \"roc_auc\"}", new double[] {0.6});
    crash(healthy, healthy.checkpoint);

    scheduler = new JobScheduler(federation, ModelBudget.defaults(), store);

    JobStatus damaged = scheduler.find("job-damaged").orElseThrow().status();
    assertEquals(JobState.JOB_STATE_FAILED, damaged.getState());
    assertEquals("damaged", damaged.getName());
    assertTrue(damaged.getMessage().contains("job-damaged") && damaged.getMessage().contains("restore the"
        + " coordinator's store from a backup"), damaged.getMessage());
    assertEquals(JobCheckpoint.State.RUNNING, store.jobs().load().get(0).checkpoint().state(),
        "the damaged job is left as it is in the store");
    JobRun other = awaitEnd(scheduler.find("job-healthy").orElseThrow());
    assertEquals(JobState.JOB_STATE_SUCCEEDED, other.status().getState(), other.status().getMessage());
  }

  // ---- what a restart reads back ---------------------------------------------------------------

  @Test
  void aSubmittedJob_isStoredWithTheDefaultsItTook_underTheHashOfTheSpecAsWritten() throws Exception {
    String spec = """
        {"name": "defaults", "model": {"template": "mlp", "hidden_layers": [3]},
         "dataset": {"name": "ai4i", "numeric_features": ["x1", "x2"], "label": "y"}}""";
    scheduler = new JobScheduler(federation, ModelBudget.defaults(), store);

    JobRun run = scheduler.submit(spec, "engineer-1");

    JobSubmission stored = store.jobs().load().get(0).submission();
    JsonNode kept = new ObjectMapper().readTree(stored.specJson());
    assertEquals(JobSpec.DEFAULT_SERVER_MOMENTUM, kept.get("server_momentum").asDouble(),
        "a later default cannot change the strategy of this job: " + kept);
    assertEquals(300, kept.get("round_deadline_seconds").asInt());
    assertEquals(JobSpecParser.parse(spec), JobSpecParser.parse(stored.specJson()));
    assertEquals(JobSpecParser.canonicalHash(spec), stored.specHash());
    assertEquals(JobSpecParser.canonicalHash(spec), run.status().getSpecHash());
  }

  // ---- the crashed coordinator's history -----------------------------------------------------

  /**
   * A job as a coordinator left it: submitted, round 0 done, rounds 1..values.length committed
   * (round r's model filled with r) and evaluated with the given select metric values, its round
   * log open for more records.
   */
  private History history(String jobId, int rounds, String select, double[] values) throws Exception {
    String pinned = JobSpecParser.pinned(SPEC.formatted(rounds, select));
    JobSpec spec = JobSpecParser.parse(pinned);
    store.jobs().create(new JobSubmission(jobId, spec.name(), pinned, JobSpecParser.canonicalHash(pinned),
        "engineer-1", Instant.EPOCH));
    RoundLog log = RoundLog.open(federation.roundLogs(), jobId, identity, CLOCK, federation.registry());
    log.jobSubmitted(spec.name(), JobSpecParser.canonicalHash(pinned), "engineer-1");
    List<String> models = new ArrayList<>();
    models.add(model(spec, 0));
    JobCheckpoint checkpoint = JobCheckpoint.submitted().withState(JobCheckpoint.State.RUNNING, "")
        .withStart(new double[] {0, 0}, new double[] {1, 1}, 0, 1, Map.of("plant-a", 10L, "plant-b", 10L),
            models.get(0));
    SelectionSpec selection = spec.selection().orElseThrow();
    BestRound best = new BestRound(selection.mode());
    for (int round = 1; round <= values.length; round++) {
      models.add(model(spec, round));
      Map<String, String> contributions = new LinkedHashMap<>();
      log.roundOpened(round, 1, SITES);
      for (String site : SITES) {
        String hash = String.format("%064x", round * 10 + contributions.size());
        log.contribution(round, 1, site, hash);
        contributions.put(site, hash);
      }
      log.roundClosed(round, 1, SITES.size(), contributions, "aggregate-" + round, models.get(round),
          Map.of("train_loss", 0.5), spec.secureAggregation(), null, null);
      log.evaluation(round, new EvaluationSummary(2, new EvaluationMetrics(20, Map.of(selection.metric(),
          values[round - 1]), new long[0][])));
      best.offer(round, values[round - 1]);
      checkpoint = checkpoint.withPrepared(new JobCheckpoint.Prepared(round, models.get(round))).committingPrepared()
          .withEvaluated(round, new JobCheckpoint.Best(best.round(), models.get(best.round()), best.value(),
              best.lastOffered(), best.evaluationsSinceBest()));
    }
    return new History(jobId, spec, log, models, checkpoint);
  }

  private record History(String jobId, JobSpec spec, RoundLog log, List<String> models, JobCheckpoint checkpoint) {
    SelectionSpec selection() {
      return spec.selection().orElseThrow();
    }
  }

  /** The coordinator dies: the job's checkpoint is what it last stored, its round log is left as is. */
  private void crash(History job, JobCheckpoint checkpoint) {
    store.jobs().save(job.jobId(), checkpoint);
    job.log().close();
  }

  private String model(JobSpec spec, int round) {
    float[] parameters = new float[DIMENSION];
    Arrays.fill(parameters, round);
    return federation.store().put(spec.modelConfigurationJson(), parameters).hash();
  }

  /** A coordinator starts on the data the crashed one left, and the job gets to its end. */
  private JobRun restart(String jobId) throws Exception {
    scheduler = new JobScheduler(federation, ModelBudget.defaults(), store);
    return awaitEnd(scheduler.find(jobId).orElseThrow());
  }

  private static JobRun awaitEnd(JobRun run) throws InterruptedException {
    while (!run.finished()) {
      Thread.sleep(20);
    }
    return run;
  }

  /**
   * The job's round log holds one model_selected, naming {@code model}, and ends with the job's
   * job_finished naming the same model, with no round opened after the restart; an auditor accepts it.
   */
  private void assertEndedOnce(String jobId, String model) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> records = new ArrayList<>();
    for (String line : Files.readAllLines(data.resolve("ledgers").resolve(jobId + ".jsonl"))) {
      records.add(json.readTree(line));
    }
    List<JsonNode> selected = records.stream().filter(r -> r.get("type").asText().equals("model_selected")).toList();
    assertEquals(1, selected.size(), "one model_selected");
    assertEquals(model, selected.get(0).get("model_hash").asText());
    JsonNode last = records.get(records.size() - 1);
    assertEquals("job_finished", last.get("type").asText());
    assertEquals(model, last.get("model_hash").asText());
    int resumed = records.indexOf(records.stream().filter(r -> r.get("type").asText().equals("job_resumed"))
        .findFirst().orElseThrow());
    assertEquals(List.of(), records.subList(resumed, records.size()).stream()
        .filter(r -> r.get("type").asText().equals("round_opened")).toList(), "no round after the restart");
    Verification verification = LedgerVerifier.verify(data.resolve("ledgers").resolve(jobId + ".jsonl"), ca.certificate(), null, CLOCK);
    assertTrue(verification.ok(), verification.problem());
  }
}
