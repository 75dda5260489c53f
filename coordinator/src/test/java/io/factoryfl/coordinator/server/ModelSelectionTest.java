package io.factoryfl.coordinator.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.factoryfl.coordinator.job.JobRun;
import io.factoryfl.core.ledger.LedgerVerifier;
import io.factoryfl.core.ledger.Verification;
import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.core.security.Role;
import io.factoryfl.proto.v1.AdminGrpc;
import io.factoryfl.proto.v1.EvaluationResult;
import io.factoryfl.proto.v1.FeatureStats;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.GetJobRequest;
import io.factoryfl.proto.v1.JobEnded;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.JobStatus;
import io.factoryfl.proto.v1.PollTaskRequest;
import io.factoryfl.proto.v1.RefusalCode;
import io.factoryfl.proto.v1.RegisterRequest;
import io.factoryfl.proto.v1.RoundEvent;
import io.factoryfl.proto.v1.SubmitJobRequest;
import io.factoryfl.proto.v1.SubmitUpdateResponse;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskRefusal;
import io.factoryfl.proto.v1.TaskResult;
import io.factoryfl.proto.v1.UpdateChunk;
import io.factoryfl.proto.v1.UpdateHeader;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model selection end to end: a real coordinator over loopback mutual TLS and two scripted sites
 * that train round r to a model filled with r and report evaluations chosen in advance, so the
 * best round is known before the job runs. Checks the job's result, its round log (verified as an
 * auditor would) and its events.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ModelSelectionTest {
  private static final int BINS = CoordinatorServer.HISTOGRAM_BINS;
  /** 2 numeric inputs, one hidden layer of 3, 2 classes: 2*3+3 + 3*2+2 = 17 parameters. */
  private static final int DIMENSION = 17;
  private static final int ROWS = 10;

  private static final String SPEC = """
      {
        "name": "select",
        "model": {"template": "mlp", "hidden_layers": [3]},
        "dataset": {"name": "ai4i", "numeric_features": ["x1", "x2"], "label": "y"},
        "rounds": %d,
        "participants": {"min": 2, "max": 2},
        "round_deadline_seconds": 20,
        "evaluate_every": 1,
        "max_round_attempts": 1,
        "start_timeout_seconds": 10,
        "secure_aggregation": {"enabled": false},
        "server_momentum": 0,
        "max_examples_per_site": 10,
        "select": %s
      }""";

  @TempDir Path dataDir;
  private TlsCoordinator coordinator;
  private List<Site> sites;

  @BeforeEach
  void start() throws Exception {
    coordinator = TlsCoordinator.start(dataDir, CoordinatorLimits.defaults());
    sites = List.of(new Site("plant-a"), new Site("plant-b"));
  }

  @AfterEach
  void stop() throws InterruptedException {
    coordinator.close();
  }

  @Test
  void theBestRoundByRocAuc_isTheResult_theLedgerSaysWhy_andAnAuditorAcceptsTheLog() throws Exception {
    String job = submit(4, "{\"metric\": \"roc_auc\"}");
    answerStats();
    // round 4 ties round 2's 1.0: the earlier round stays the best
    double[] rocAuc = {0.5, 1.0, 0.75, 1.0};
    for (int round = 1; round <= 4; round++) {
      train(round);
      evaluate(rocAuc[round - 1], 0.5);
    }
    List<RoundEvent> events = events(job);

    JobEnded ended = events.get(events.size() - 1).getEnded();
    assertEquals(JobState.JOB_STATE_SUCCEEDED, ended.getState());
    assertEquals("completed 4 rounds; the result is round 2, the best by max roc_auc (1.0000)", ended.getMessage());
    JobRun run = coordinator.server().scheduler().find(job).orElseThrow();
    assertEquals(2, run.resultRound());
    assertArrayEquals(filled(2f), run.resultModel().parameters(), "round 2's model is the result");
    String round2 = closedModel(job, 2);
    assertEquals(round2, run.resultModel().hash());
    assertEquals(round2, ended.getModelHash());
    assertEquals(2, ended.getResultRound());
    JobStatus status = coordinator.admin().getJob(GetJobRequest.newBuilder().setJobId(job).build());
    assertEquals(2, status.getResultRound());
    assertEquals(round2, status.getResultModelHash());
    assertEquals(closedModel(job, 4), status.getModelHash(), "model_hash stays the current global model");
    assertEquals(List.of(1, 2, 2, 2), events.stream().filter(RoundEvent::hasEvaluated)
        .map(e -> e.getEvaluated().getBestRound()).toList());

    JsonNode selected = record(job, "model_selected");
    assertEquals(2, selected.get("round").asInt());
    assertEquals(round2, selected.get("model_hash").asText());
    assertEquals("roc_auc", selected.get("metric").asText());
    assertEquals("max", selected.get("mode").asText());
    assertEquals(1.0, selected.get("value").asDouble());
    assertFalse(selected.get("early_stopped").asBoolean());
    assertTrue(selected.has("sig"), "model_selected is signed");
    assertEquals(round2, record(job, "job_finished").get("model_hash").asText());
    assertAuditorAccepts(job);
  }

  @Test
  void patience_stopsTheJobAfterThatManyEvaluationsWithoutImprovement() throws Exception {
    String job = submit(10, "{\"metric\": \"loss\", \"patience\": 2}");
    answerStats();
    // loss: 2.0, 1.0 (best), 1.5, 1.0 (a tie is no improvement): two evaluations without one
    double[] loss = {2.0, 1.0, 1.5, 1.0};
    for (int round = 1; round <= 4; round++) {
      train(round);
      evaluate(0.75, loss[round - 1]);
    }
    List<RoundEvent> events = events(job);

    JobEnded ended = events.get(events.size() - 1).getEnded();
    assertEquals(JobState.JOB_STATE_SUCCEEDED, ended.getState());
    assertEquals("stopped early after round 4 of 10: loss did not improve in the last 2 evaluations"
        + " (select.patience 2); the result is round 2, the best by min loss (1.0000)", ended.getMessage());
    assertEquals(4, events.stream().filter(RoundEvent::hasCommitted).count(), "no round after round 4");
    assertEquals(List.of(), records(job, "round_opened").stream()
        .filter(r -> r.get("round").asInt() > 4).toList());
    JobRun run = coordinator.server().scheduler().find(job).orElseThrow();
    assertEquals(2, run.resultRound());
    assertArrayEquals(filled(2f), run.resultModel().parameters());

    JsonNode selected = record(job, "model_selected");
    assertEquals(2, selected.get("round").asInt());
    assertEquals("min", selected.get("mode").asText());
    assertEquals(1.0, selected.get("value").asDouble());
    assertEquals(2, selected.get("patience").asInt());
    assertTrue(selected.get("early_stopped").asBoolean());
    assertTrue(selected.get("reason").asText().contains("stopped early"), selected.get("reason").asText());
    assertEquals(closedModel(job, 2), record(job, "job_finished").get("model_hash").asText());
    assertAuditorAccepts(job);
  }

  @Test
  void anEvaluationNoSiteAnswered_neitherImprovesNorCountsTowardsPatience() throws Exception {
    String job = submit(3, "{\"metric\": \"roc_auc\", \"patience\": 1}");
    answerStats();
    train(1);
    evaluate(0.75, 0.5);
    train(2);
    refuseEvaluations();
    train(3);
    evaluate(1.0, 0.5);
    List<RoundEvent> events = events(job);

    JobEnded ended = events.get(events.size() - 1).getEnded();
    assertEquals(JobState.JOB_STATE_SUCCEEDED, ended.getState(), ended.getMessage());
    assertEquals(3, ended.getResultRound(), ended.getMessage());
    assertEquals(0, records(job, "evaluation").get(1).get("participants").asInt());
    assertAuditorAccepts(job);
  }

  // --- the scripted federation -----------------------------------------------------------

  private final class Site {
    final String name;
    final ManagedChannel channel;
    final String session;
    Task task;

    Site(String name) throws Exception {
      this.name = name;
      this.channel = coordinator.channel(name, Role.PARTICIPANT);
      this.session = fleet().register(RegisterRequest.newBuilder().addDatasets("ai4i").build()).getSessionId();
    }

    FleetGrpc.FleetBlockingStub fleet() {
      return TlsCoordinator.fleet(channel);
    }

    /** The next task; a poll may return receipts alone, so poll until a task comes. */
    Task poll() {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      do {
        task = fleet().pollTask(PollTaskRequest.newBuilder().setSessionId(session).setWaitMillis(1_000).build())
            .getTask();
      } while (task.getTaskId().isEmpty() && System.nanoTime() < deadline);
      assertTrue(!task.getTaskId().isEmpty(), name + " got no task within 10 s");
      return task;
    }

    void report(TaskResult.Builder result) {
      fleet().reportResult(result.setSessionId(session).setTaskId(task.getTaskId())
          .setJobId(task.getJobId()).setRound(task.getRound()).build());
    }

    /** Uploads {@code values} as this site's update for its current training task. */
    void upload(float[] values) throws Exception {
      CompletableFuture<SubmitUpdateResponse> reply = new CompletableFuture<>();
      StreamObserver<UpdateChunk> requests = FleetGrpc.newStub(channel)
          .withDeadlineAfter(TlsCoordinator.RPC_SECONDS, TimeUnit.SECONDS).submitUpdate(new StreamObserver<>() {
            @Override
            public void onNext(SubmitUpdateResponse response) {
              reply.complete(response);
            }

            @Override
            public void onError(Throwable t) {
              reply.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
              reply.completeExceptionally(new AssertionError("completed without a reply"));
            }
          });
      requests.onNext(UpdateChunk.newBuilder().setHeader(UpdateHeader.newBuilder().setSessionId(session)
          .setTaskId(task.getTaskId()).setJobId(task.getJobId()).setRound(task.getRound())
          .setBaseModelHash(task.getTrain().getModelHash()).setNumParameters(values.length)
          .setSha256(ParameterCodec.hash(values)).setNumExamples(ROWS).putMetrics("train_loss", 0.5)).build());
      for (byte[] chunk : ParameterCodec.chunks(values)) {
        requests.onNext(UpdateChunk.newBuilder().setData(ByteString.copyFrom(chunk)).build());
      }
      requests.onCompleted();
      assertTrue(reply.get(TlsCoordinator.RPC_SECONDS, TimeUnit.SECONDS).getAccepted(), name + "'s update");
    }
  }

  private String submit(int rounds, String select) throws Exception {
    return coordinator.admin().submitJob(SubmitJobRequest.newBuilder()
        .setSpecJson(SPEC.formatted(rounds, select)).build()).getJobId();
  }

  private void answerStats() {
    for (Site site : sites) {
      assertTrue(site.poll().hasFeatureStats(), site.name + " expected feature statistics, got " + site.task);
      site.report(TaskResult.newBuilder().setFeatureStats(FeatureStats.newBuilder().setCount(ROWS)
          .addSum(10).addSum(20).addSumOfSquares(20).addSumOfSquares(50)));
    }
  }

  /** Round r: both sites send a model filled with r, so the committed model is filled with r. */
  private void train(int round) throws Exception {
    for (Site site : sites) {
      assertTrue(site.poll().hasTrain(), site.name + " expected a training task, got " + site.task);
      assertEquals(round, site.task.getRound());
    }
    for (Site site : sites) {
      site.upload(filled(round));
    }
  }

  /**
   * Both sites report 2 positives and 2 negatives whose score bins give the union {@code rocAuc}
   * (0.5, 0.75 or 1.0), and a mean loss of {@code loss}.
   */
  private void evaluate(double rocAuc, double loss) {
    long[] positives = new long[BINS];
    long[] negatives = new long[BINS];
    negatives[5000] = 1;
    negatives[rocAuc == 0.5 ? 3000 : 1000] = 1;
    positives[9000] = 1;
    positives[rocAuc == 1.0 ? 6000 : 2000] = 1;
    EvaluationResult result = EvaluationResult.newBuilder().setNumExamples(4).setLossSum(4 * loss)
        .addAllCounts(boxed(new long[] {1, 1, 1, 1})).addAllCounts(boxed(positives))
        .addAllCounts(boxed(negatives)).build();
    for (Site site : sites) {
      assertTrue(site.poll().hasEvaluate(), site.name + " expected an evaluation task, got " + site.task);
      site.report(TaskResult.newBuilder().setEvaluation(result));
    }
  }

  /** Both sites answer the evaluation with a refusal, so no site's evaluation counts. */
  private void refuseEvaluations() {
    for (Site site : sites) {
      assertTrue(site.poll().hasEvaluate(), site.name + " expected an evaluation task, got " + site.task);
      site.report(TaskResult.newBuilder().setRefusal(TaskRefusal.newBuilder()
          .setReason("no evaluation split today").setCode(RefusalCode.DATA_UNAVAILABLE)));
    }
  }

  private List<RoundEvent> events(String job) throws Exception {
    List<RoundEvent> events = new ArrayList<>();
    AdminGrpc.newBlockingStub(coordinator.channel("watcher", Role.ADMIN)).withDeadlineAfter(60, TimeUnit.SECONDS)
        .watchJob(GetJobRequest.newBuilder().setJobId(job).build()).forEachRemaining(events::add);
    assertTrue(events.get(events.size() - 1).hasEnded(), "the watch ends with JobEnded: " + events);
    return events;
  }

  private void assertAuditorAccepts(String job) throws Exception {
    Verification verification = LedgerVerifier.verify(coordinator.ledger(job), coordinator.caCertificate(), null,
        Clock.systemUTC());
    assertTrue(verification.ok(), verification.problem());
  }

  private String closedModel(String job, int round) throws Exception {
    return records(job, "round_closed").stream().filter(r -> r.get("round").asInt() == round).findFirst()
        .orElseThrow().get("model_hash").asText();
  }

  private List<JsonNode> records(String job, String type) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> records = new ArrayList<>();
    for (String line : Files.readAllLines(coordinator.ledger(job))) {
      JsonNode record = json.readTree(line);
      if (type.equals(record.path("type").asText())) {
        records.add(record);
      }
    }
    return records;
  }

  private JsonNode record(String job, String type) throws Exception {
    List<JsonNode> found = records(job, type);
    assertEquals(1, found.size(), type + " records: " + found);
    return found.get(0);
  }

  private static float[] filled(float value) {
    float[] values = new float[DIMENSION];
    Arrays.fill(values, value);
    return values;
  }

  private static List<Long> boxed(long[] values) {
    return Arrays.stream(values).boxed().toList();
  }
}
