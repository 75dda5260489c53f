package io.factoryfl.coordinator.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.core.security.Role;
import io.factoryfl.proto.v1.AdminGrpc;
import io.factoryfl.proto.v1.EvaluationResult;
import io.factoryfl.proto.v1.FeatureStats;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.GetJobRequest;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.ListJobsRequest;
import io.factoryfl.proto.v1.ModelChunk;
import io.factoryfl.proto.v1.PollTaskRequest;
import io.factoryfl.proto.v1.RegisterRequest;
import io.factoryfl.proto.v1.RoundEvent;
import io.factoryfl.proto.v1.SubmitJobRequest;
import io.factoryfl.proto.v1.SubmitUpdateResponse;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskResult;
import io.factoryfl.proto.v1.UpdateChunk;
import io.factoryfl.proto.v1.UpdateHeader;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A participant with a real enrolled certificate, over loopback mutual TLS, plays each attack of
 * issue 7's table against a real coordinator, next to two honest sites; each test asserts the
 * defended outcome. The hostile site is "mallory"; "site-a" and "site-b" are honest.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MaliciousParticipantTest {
  private static final int BINS = CoordinatorServer.HISTOGRAM_BINS;
  /** 2 numeric inputs, one hidden layer of 3, 2 classes: 2*3+3 + 3*2+2 = 17 parameters. */
  private static final int DIMENSION = 17;
  /** Honest sites train on 10 rows each; max_examples_per_site is 10. */
  private static final int ROWS = 10;

  private static final String SPEC = """
      {
        "name": "malice",
        "model": {"template": "mlp", "hidden_layers": [3]},
        "dataset": {"name": "ai4i", "numeric_features": ["x1", "x2"], "label": "y"},
        "rounds": 1,
        "participants": {"min": 2, "max": 3},
        "round_deadline_seconds": 20,
        "evaluate_every": 1,
        "max_round_attempts": 1,
        "start_timeout_seconds": 10,
        "seed": 3,
        "secure_aggregation": {"enabled": false},
        "max_examples_per_site": 10
      }""";

  @TempDir Path dataDir;
  private TlsCoordinator coordinator;
  private Site mallory;
  private Site siteA;
  private Site siteB;

  @BeforeEach
  void start() throws Exception {
    coordinator = TlsCoordinator.start(dataDir, CoordinatorLimits.defaults());
    mallory = new Site("mallory");
    siteA = new Site("site-a");
    siteB = new Site("site-b");
  }

  @AfterEach
  void stop() throws InterruptedException {
    coordinator.close();
  }

  // --- example counts --------------------------------------------------------------------------

  @Test
  void hugeExampleCountWithAZeroModel_weighsNoMoreThanTheCapAndDoesNotWipeTheModel() throws Exception {
    String job = submit(SPEC);
    answerAllStats(job);

    trainRound(site -> site == mallory
        ? upload(site, Site.header(site.task, filled(0f), 1L << 29), filled(0f))
        : upload(site, Site.header(site.task, filled(1f), ROWS), filled(1f)));
    answerAllEvaluations(null);

    assertEquals(JobState.JOB_STATE_SUCCEEDED, endState(job));
    // each site weighs 10 (the cap): (10*1 + 10*1 + 10*0) / 30; uncapped it would be ~4e-8
    float[] model = globalModel(job);
    for (float value : model) {
      assertEquals(2f / 3f, value, 1e-6f, "global model " + Arrays.toString(model));
    }
    assertEquals(30.0, record(job, "round_closed").get("metrics").get("total_examples").asDouble());
  }

  // --- evaluation --------------------------------------------------------------------------

  @Test
  void millionPerfectlyRankedEvaluationExamples_areRejectedAndTheLoggedAucIsTheHonestOne()
      throws Exception {
    String job = submit(SPEC);
    answerAllStats(job);
    trainHonestly();

    long[] positives = new long[BINS];
    long[] negatives = new long[BINS];
    positives[BINS - 1] = 500_000;
    negatives[0] = 500_000;
    answerAllEvaluations(binary(1_000_000, 0, new long[] {500_000, 0, 0, 500_000}, positives, negatives));

    assertEquals(JobState.JOB_STATE_SUCCEEDED, endState(job));
    JsonNode evaluation = record(job, "evaluation");
    assertEquals(2, evaluation.get("participants").asInt());
    assertNotEquals(1.0, evaluation.get("roc_auc").asDouble());
    assertEquals(0.75, evaluation.get("roc_auc").asDouble(), 1e-9);
    assertDropped(job, "eval", "evaluation num_examples was 1000000");
  }

  @Test
  void negativeHistogramBin_dropsTheSitesEvaluationNotTheJob() throws Exception {
    String job = submit(SPEC);
    answerAllStats(job);
    trainHonestly();

    long[] positives = new long[BINS];
    long[] negatives = new long[BINS];
    positives[10] = 3;
    negatives[20] = -1;
    answerAllEvaluations(binary(2, 1, new long[] {0, 0, 0, 2}, positives, negatives));

    assertEquals(JobState.JOB_STATE_SUCCEEDED, endState(job));
    assertDropped(job, "eval", "is -1; counts must be >= 0");
    assertEquals(2, record(job, "evaluation").get("participants").asInt());
  }

  // --- feature statistics ------------------------------------------------------------------

  @Test
  void nanFeatureStatisticsSum_dropsTheSiteFromRoundZeroNotTheJob() throws Exception {
    String job = submit(SPEC);
    answerStats(mallory, job, FeatureStats.newBuilder().setCount(ROWS).addSum(Double.NaN).addSum(20)
        .addSumOfSquares(20).addSumOfSquares(50).build());
    answerStats(siteA, job, honestStats());
    answerStats(siteB, job, honestStats());
    trainHonestly();
    answerAllEvaluations(null);

    assertEquals(JobState.JOB_STATE_SUCCEEDED, endState(job));
    assertDropped(job, "stats", "feature 'x1' has sum NaN");
  }

  @Test
  void countOfLongMax_dropsTheSiteFromRoundZeroNotTheJob() throws Exception {
    String job = submit(SPEC);
    answerStats(mallory, job, FeatureStats.newBuilder().setCount(Long.MAX_VALUE).addSum(1).addSum(1)
        .addSumOfSquares(1).addSumOfSquares(1).build());
    answerStats(siteA, job, honestStats());
    answerStats(siteB, job, honestStats());
    trainHonestly();
    answerAllEvaluations(null);

    assertEquals(JobState.JOB_STATE_SUCCEEDED, endState(job));
    assertDropped(job, "stats", "feature statistics count was 9223372036854775807");
  }

  // --- training metrics --------------------------------------------------------------------

  @Test
  void nanTrainLoss_isRejectedAndTheRoundCommitsWithoutIt() throws Exception {
    String job = submit(SPEC);
    answerAllStats(job);

    trainRound(site -> upload(site, site == mallory
        ? Site.header(site.task, filled(1f), ROWS).toBuilder().putMetrics("train_loss", Double.NaN).build()
        : Site.header(site.task, filled(1f), ROWS), filled(1f)));
    answerAllEvaluations(null);

    assertEquals(JobState.JOB_STATE_SUCCEEDED, endState(job));
    assertDropped(job, "train", "metric train_loss was NaN");
    assertEquals(2, record(job, "round_closed").get("contributors").size());
  }

  // --- coordinator resources ---------------------------------------------------------------

  @Test
  void modelOf4Billion_isRefusedAtSubmitAndNoJobExists() throws Exception {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> submit(SPEC.replace("[3]", "[65536, 65536]")));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), String.valueOf(e.getStatus()));
    String description = e.getStatus().getDescription();
    assertTrue(description.contains("model: has 4,295,360,514 parameters; this coordinator accepts"
        + " models of at most 100,000,000 parameters (its --max-model-parameters)"), description);
    assertEquals(0, coordinator.admin().listJobs(ListJobsRequest.getDefaultInstance()).getJobsCount());
  }

  @Test
  void twoHundredHalfSentStreamsForOneTask_allButTheFirstAreRefusedAtOnce() throws Exception {
    // 265,218 parameters: about 1 MiB per update buffer, two chunks per upload
    String job = submit(SPEC.replace("[3]", "[512, 512]"));
    answerAllStats(job);
    Task task = siteA.poll();
    float[] values = filled(0.5f, dimensionOf(siteA, task));
    assertEquals(265_218, values.length);
    List<UpdateChunk> chunks = chunks(values);
    UpdateHeader header = Site.header(task, values, ROWS).toBuilder().setSessionId(siteA.session).build();

    Upload first = siteA.open();
    first.send(UpdateChunk.newBuilder().setHeader(header).build());
    first.send(chunks.get(0));
    assertEquals(4L * values.length, awaitBuffered(4L * values.length));

    List<Upload> others = new ArrayList<>();
    for (int i = 2; i <= 200; i++) {
      Upload other = siteA.open();
      other.send(UpdateChunk.newBuilder().setHeader(header).build());
      other.send(chunks.get(0));
      others.add(other);
    }
    for (Upload other : others) {
      StatusRuntimeException refused = other.refusal(5);
      Status.Code code = refused.getStatus().getCode();
      assertTrue(code == Status.Code.ABORTED || code == Status.Code.RESOURCE_EXHAUSTED,
          String.valueOf(refused.getStatus()));
      assertTrue(refused.getStatus().getDescription().contains("already in progress")
          || refused.getStatus().getDescription().contains("SubmitUpdate streams open"),
          refused.getStatus().getDescription());
    }
    // one buffer, however many streams were tried
    assertEquals(4L * values.length, coordinator.server().bufferedUploadBytes());

    for (int i = 1; i < chunks.size(); i++) {
      first.send(chunks.get(i));
    }
    assertTrue(first.finish().getAccepted(), "the first stream still uploads its update");
    assertEquals(0, awaitBuffered(0));
  }

  @Test
  void cancelledUpload_freesTheTaskSoANewStreamCanUploadIt() throws Exception {
    String job = submit(SPEC);
    answerAllStats(job);
    Task task = siteA.poll();
    Upload abandoned = siteA.open();
    abandoned.send(UpdateChunk.newBuilder().setHeader(Site.header(task, filled(1f), ROWS).toBuilder()
        .setSessionId(siteA.session)).build());
    assertEquals(4L * DIMENSION, awaitBuffered(4L * DIMENSION));

    abandoned.requests.onError(new RuntimeException("site gave up"));

    assertEquals(0, awaitBuffered(0));
    Object retry = upload(siteA, Site.header(task, filled(1f), ROWS), filled(1f));
    assertTrue(retry instanceof SubmitUpdateResponse accepted && accepted.getAccepted(), String.valueOf(retry));
  }

  @Test
  void halfSentUpload_isDroppedWithItsBufferWhenTheRoundCloses() throws Exception {
    String job = submit(SPEC.replace("\"round_deadline_seconds\": 20", "\"round_deadline_seconds\": 2"));
    answerAllStats(job);
    Task task = siteA.poll();
    Upload stalled = siteA.open();
    stalled.send(UpdateChunk.newBuilder().setHeader(Site.header(task, filled(1f), ROWS).toBuilder()
        .setSessionId(siteA.session)).build());
    assertEquals(4L * DIMENSION, awaitBuffered(4L * DIMENSION));

    StatusRuntimeException dropped = stalled.refusal(10);

    assertEquals(Status.Code.FAILED_PRECONDITION, dropped.getStatus().getCode());
    assertTrue(dropped.getStatus().getDescription().contains("no longer accepts this update"),
        dropped.getStatus().getDescription());
    assertEquals(0, coordinator.server().bufferedUploadBytes());
  }

  @Test
  void streamsBeyondThePerParticipantLimit_areRefusedAtOnce() throws Exception {
    List<Upload> open = new ArrayList<>();
    for (int i = 0; i < CoordinatorLimits.DEFAULT_MAX_UPLOADS_PER_PARTICIPANT; i++) {
      Upload upload = mallory.open();
      upload.send(UpdateChunk.newBuilder().setData(ByteString.EMPTY).build());
      open.add(upload);
    }
    // the open streams sent data before a header: refused, and their slots freed
    for (Upload upload : open) {
      assertEquals(Status.Code.INVALID_ARGUMENT, upload.refusal(5).getStatus().getCode());
    }
    List<Upload> idle = new ArrayList<>();
    for (int i = 0; i < CoordinatorLimits.DEFAULT_MAX_UPLOADS_PER_PARTICIPANT; i++) {
      idle.add(mallory.open());
    }
    Thread.sleep(200);

    StatusRuntimeException refused = mallory.open().refusal(5);

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
    assertTrue(refused.getStatus().getDescription().contains("already has 4 SubmitUpdate streams open"),
        refused.getStatus().getDescription());
    assertTrue(siteA.open() != null && idle.stream().noneMatch(u -> u.reply.isDone()),
        "the idle streams stay open");
  }

  @Test
  void uploadBeyondTheBufferBudget_isResourceExhaustedAndLeavesTheTaskOpen() throws Exception {
    coordinator.close();
    long budget = 4L * DIMENSION + 10;  // room for one update of the model, not two
    CoordinatorLimits defaults = CoordinatorLimits.defaults();
    coordinator = TlsCoordinator.start(Files.createDirectory(dataDir.resolve("small")),
        new CoordinatorLimits(defaults.maxModelParameters(), 4, budget, defaults.memoryBytes()));
    mallory = new Site("mallory");
    siteA = new Site("site-a");
    siteB = new Site("site-b");
    String job = submit(SPEC);
    answerAllStats(job);
    Task taskA = siteA.poll();
    Task taskB = siteB.poll();
    Upload holding = siteA.open();
    holding.send(UpdateChunk.newBuilder().setHeader(Site.header(taskA, filled(1f), ROWS).toBuilder()
        .setSessionId(siteA.session)).build());
    assertEquals(4L * DIMENSION, awaitBuffered(4L * DIMENSION));

    Object refused = upload(siteB, Site.header(taskB, filled(1f), ROWS), filled(1f));

    assertTrue(refused instanceof StatusRuntimeException e
        && e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED
        && e.getStatus().getDescription().contains("--max-upload-buffer-mib"), String.valueOf(refused));
    holding.requests.onError(new RuntimeException("done holding"));
    assertEquals(0, awaitBuffered(0));
    Object retry = upload(siteB, Site.header(taskB, filled(1f), ROWS), filled(1f));
    assertTrue(retry instanceof SubmitUpdateResponse accepted && accepted.getAccepted(), String.valueOf(retry));
  }

  @Test
  void deeplyNestedSpec_isInvalidArgumentNotUnknown() throws Exception {
    String deep = SPEC.replace("\"ai4i\",", "\"ai4i\", \"x\": " + "[".repeat(3000) + "]".repeat(3000) + ",");

    assertInvalidSpec(deep, "exceeds a parser limit");
  }

  @Test
  void trailingGarbageAfterTheSpec_isInvalidArgument() throws Exception {
    assertInvalidSpec(SPEC + "\n{\"name\": \"second\"}", "is not valid JSON");
  }

  @Test
  void controlCharactersInTheJobName_areInvalidArgumentNamingTheCodePoint() throws Exception {
    assertInvalidSpec(SPEC.replace("\"malice\"", "\"mal\\u001b[2Jice\""),
        "invalid job spec: name: contains the control character U+001B at position 3");
  }

  // --- the scripted federation -----------------------------------------------------------

  /** A participant: its own certificate, connection and session. */
  private final class Site {
    final String name;
    final ManagedChannel channel;
    final String session;
    Task task;

    Site(String name) throws Exception {
      this.name = name;
      this.channel = coordinator.channel(name, Role.PARTICIPANT);
      this.session = fleet().register(RegisterRequest.newBuilder().addDatasets("ai4i").build())
          .getSessionId();
    }

    FleetGrpc.FleetBlockingStub fleet() {
      return TlsCoordinator.fleet(channel);
    }

    /** The next task; a poll may return receipts alone, so poll until a task comes. */
    Task poll() {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      do {
        task = fleet().pollTask(PollTaskRequest.newBuilder().setSessionId(session)
            .setWaitMillis(1_000).build()).getTask();
      } while (task.getTaskId().isEmpty() && System.nanoTime() < deadline);
      assertTrue(!task.getTaskId().isEmpty(), name + " got no task within 5 s");
      return task;
    }

    void report(TaskResult.Builder result) {
      fleet().reportResult(result.setSessionId(session).setTaskId(task.getTaskId())
          .setJobId(task.getJobId()).setRound(task.getRound()).build());
    }

    Upload open() {
      return new Upload(FleetGrpc.newStub(channel)
          .withDeadlineAfter(TlsCoordinator.RPC_SECONDS * 3, TimeUnit.SECONDS));
    }

    static UpdateHeader header(Task task, float[] values, long examples) {
      return UpdateHeader.newBuilder().setTaskId(task.getTaskId()).setJobId(task.getJobId())
          .setRound(task.getRound()).setBaseModelHash(task.getTrain().getModelHash())
          .setNumParameters(values.length).setSha256(ParameterCodec.hash(values))
          .setNumExamples(examples).putMetrics("train_loss", 0.5).build();
    }
  }

  /** One SubmitUpdate stream, sent message by message. */
  private static final class Upload {
    final CompletableFuture<SubmitUpdateResponse> reply = new CompletableFuture<>();
    final StreamObserver<UpdateChunk> requests;

    Upload(FleetGrpc.FleetStub stub) {
      requests = stub.submitUpdate(new StreamObserver<>() {
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
    }

    void send(UpdateChunk chunk) {
      requests.onNext(chunk);
    }

    SubmitUpdateResponse finish() throws Exception {
      requests.onCompleted();
      try {
        return reply.get(TlsCoordinator.RPC_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof StatusRuntimeException status) {
          throw status;
        }
        throw e;
      }
    }

    /** The status the coordinator refused this (still open) stream with, within the timeout. */
    StatusRuntimeException refusal(long seconds) throws Exception {
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> reply.get(seconds, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof StatusRuntimeException, String.valueOf(e.getCause()));
      return (StatusRuntimeException) e.getCause();
    }
  }

  private String submit(String spec) throws Exception {
    return coordinator.admin().submitJob(SubmitJobRequest.newBuilder().setSpecJson(spec).build())
        .getJobId();
  }

  private void assertInvalidSpec(String spec, String described) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> submit(spec));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), String.valueOf(e.getStatus()));
    assertTrue(e.getStatus().getDescription().contains(described), e.getStatus().getDescription());
  }

  private static FeatureStats honestStats() {
    return FeatureStats.newBuilder().setCount(ROWS).addSum(10).addSum(20).addSumOfSquares(20)
        .addSumOfSquares(50).build();
  }

  private void answerStats(Site site, String job, FeatureStats stats) {
    Task task = site.poll();
    assertTrue(task.hasFeatureStats(), "the first task is feature statistics, got " + task);
    assertEquals(job, task.getJobId());
    site.report(TaskResult.newBuilder().setFeatureStats(stats));
  }

  private void answerAllStats(String job) {
    for (Site site : List.of(mallory, siteA, siteB)) {
      answerStats(site, job, honestStats());
    }
  }

  private void trainRound(Function<Site, Object> answer) throws Exception {
    for (Site site : List.of(mallory, siteA, siteB)) {
      Task task = site.poll();
      assertTrue(task.hasTrain(), site.name + " expected a training task, got " + task);
    }
    for (Site site : List.of(mallory, siteA, siteB)) {
      answer.apply(site);
    }
  }

  private void trainHonestly() throws Exception {
    trainRound(site -> upload(site, Site.header(site.task, filled(1f), ROWS), filled(1f)));
  }

  /** Uploads; returns the reply or the refusal. */
  private Object upload(Site site, UpdateHeader header, float[] values) {
    Upload upload = site.open();
    upload.send(UpdateChunk.newBuilder().setHeader(header.toBuilder().setSessionId(site.session)).build());
    chunks(values).forEach(upload::send);
    try {
      return upload.finish();
    } catch (StatusRuntimeException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Honest sites: 4 examples, 2 positives in bins 9000 and 2000, negatives in 5000 and 1000. */
  private void answerAllEvaluations(EvaluationResult mallorys) {
    long[] positives = new long[BINS];
    long[] negatives = new long[BINS];
    positives[9000] = 1;
    positives[2000] = 1;
    negatives[5000] = 1;
    negatives[1000] = 1;
    EvaluationResult honest = binary(4, 2, new long[] {2, 0, 1, 1}, positives, negatives);
    for (Site site : List.of(mallory, siteA, siteB)) {
      Task task = site.poll();
      assertTrue(task.hasEvaluate(), site.name + " expected an evaluation task, got " + task);
      site.report(TaskResult.newBuilder().setEvaluation(
          site == mallory && mallorys != null ? mallorys : honest));
    }
  }

  /** A binary evaluation: the confusion matrix (true by predicted) then the two histograms. */
  private static EvaluationResult binary(long n, double loss, long[] confusion, long[] positives, long[] negatives) {
    return EvaluationResult.newBuilder().setNumExamples(n).setLossSum(loss).addAllCounts(boxed(confusion))
        .addAllCounts(boxed(positives)).addAllCounts(boxed(negatives)).build();
  }

  private JobState endState(String job) throws Exception {
    List<RoundEvent> events = new ArrayList<>();
    AdminGrpc.newBlockingStub(coordinator.channel("watcher", Role.ADMIN))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .watchJob(GetJobRequest.newBuilder().setJobId(job).build()).forEachRemaining(events::add);
    RoundEvent last = events.get(events.size() - 1);
    assertTrue(last.hasEnded(), "the watch ends with JobEnded: " + events);
    return last.getEnded().getState();
  }

  private float[] globalModel(String job) throws Exception {
    var chunks = coordinator.admin().downloadGlobalModel(GetJobRequest.newBuilder().setJobId(job).build());
    ModelChunk first = chunks.next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    chunks.forEachRemaining(chunk -> bytes.writeBytes(chunk.getData().toByteArray()));
    float[] values = ParameterCodec.decode(bytes.toByteArray());
    assertEquals(first.getHeader().getNumParameters(), values.length);
    return values;
  }

  /** The parameter count of the model a train task trains from, as the site downloads it. */
  private static int dimensionOf(Site site, Task task) {
    return Math.toIntExact(site.fleet().downloadModel(io.factoryfl.proto.v1.DownloadModelRequest.newBuilder()
        .setSessionId(site.session).setModelHash(task.getTrain().getModelHash()).build()).next().getHeader()
        .getNumParameters());
  }

  /** The job's round-log records of one type, in order. */
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

  /** The round log holds a dropout record for mallory at {@code stage} whose reason says why. */
  private void assertDropped(String job, String stage, String reason) throws Exception {
    List<JsonNode> dropouts = records(job, "dropout").stream()
        .filter(r -> r.get("participant").asText().equals("mallory")).toList();
    assertEquals(1, dropouts.size(), "mallory's dropouts: " + dropouts);
    assertEquals(stage, dropouts.get(0).get("stage").asText());
    assertTrue(dropouts.get(0).get("reason").asText().contains(reason),
        dropouts.get(0).get("reason").asText());
  }

  private long awaitBuffered(long expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (coordinator.server().bufferedUploadBytes() != expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return coordinator.server().bufferedUploadBytes();
  }

  private static List<UpdateChunk> chunks(float[] values) {
    return ParameterCodec.chunks(values).stream()
        .map(bytes -> UpdateChunk.newBuilder().setData(ByteString.copyFrom(bytes)).build()).toList();
  }

  private static float[] filled(float value) {
    return filled(value, DIMENSION);
  }

  private static float[] filled(float value, int length) {
    float[] values = new float[length];
    Arrays.fill(values, value);
    return values;
  }

  private static List<Long> boxed(long[] values) {
    return Arrays.stream(values).boxed().toList();
  }
}
