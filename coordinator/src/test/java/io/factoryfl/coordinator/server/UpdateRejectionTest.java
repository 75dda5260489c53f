package io.factoryfl.coordinator.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.SigningIdentity;
import java.security.SecureRandom;
import io.factoryfl.core.params.ModelHash;
import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.Role;
import io.factoryfl.proto.v1.AdminGrpc;
import io.factoryfl.proto.v1.DownloadModelRequest;
import io.factoryfl.proto.v1.FeatureStats;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.GetJobRequest;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.JobStatus;
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
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real coordinator in-process, driven through its Fleet and Admin services by two scripted
 * participants: every way an update can be wrong is refused with a status that says what was
 * wrong, and only verified updates reach the global model.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class UpdateRejectionTest {
  private static final String SITE_A = "site-a";
  private static final String SITE_B = "site-b";
  private static final long RPC_SECONDS = 10;

  /** 2 numeric inputs, one hidden layer of 3, 2 classes: 2*3+3 + 3*2+2 = 17 parameters. */
  private static final int DIMENSION = 17;

  private static final String SPEC = """
      {
        "name": "rejections",
        "model": {"template": "mlp", "hidden_layers": [3]},
        "dataset": {"name": "ai4i", "numeric_features": ["x1", "x2"], "label": "y"},
        "rounds": 1,
        "participants": {"min": 2, "max": 2},
        "round_deadline_seconds": 20,
        "evaluate_every": 0,
        "max_round_attempts": 3,
        "start_timeout_seconds": 10,
        "seed": 3,
        "secure_aggregation": {"enabled": false}
      }""";

  /** The coordinator's signing identity (signs the round logs), from a throwaway CA. */
  private static final SigningIdentity COORDINATOR = SigningIdentity.of(
      CertificateAuthority.create("rejections", Clock.systemUTC(), Duration.ofDays(2), new SecureRandom())
          .issue("coordinator", Role.COORDINATOR, Duration.ofDays(1), List.of("localhost")));

  @TempDir Path dataDir;
  private CoordinatorServer coordinator;
  private ManagedChannel channel;

  /** What a participant knows once round 1 has started. */
  private record Round(String jobId, String sessionA, String sessionB, Task taskA, Task taskB,
      String baseHash, float[] base) {}

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    coordinator = CoordinatorServer.assemble(InProcessServerBuilder.forName(name), dataDir,
        Clock.systemUTC(), Duration.ofSeconds(30), new HeaderIdentity(), COORDINATOR).start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    coordinator.stop();
  }

  // --- the checks on the update itself ---------------------------------------------------------

  @Test
  void wrongNumParameters_isInvalidArgumentNamingBothLengths() throws Exception {
    Round round = startRound();
    float[] short16 = filled(DIMENSION - 1, 1f);

    StatusRuntimeException e = rejected(SITE_A, header(round, round.taskA(), short16), short16);

    assertStatus(Status.Code.INVALID_ARGUMENT, e, "num_parameters was 16; the model of job '"
        + round.jobId() + "' has 17 parameters");
  }

  @Test
  void moreValuesThanAnnounced_isInvalidArgument() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);
    float[] longer = filled(DIMENSION + 1, 1f);

    StatusRuntimeException e = rejected(SITE_A, header(round, round.taskA(), values), longer);

    assertStatus(Status.Code.INVALID_ARGUMENT, e, "more than the announced 17 parameters");
  }

  @Test
  void streamEndingEarly_isInvalidArgumentSayingHowManyArrived() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);

    StatusRuntimeException e = rejected(SITE_A, header(round, round.taskA(), values),
        Arrays.copyOf(values, 10));

    assertStatus(Status.Code.INVALID_ARGUMENT, e, "the stream ended after 10 of 17 parameters");
  }

  @Test
  void nanValue_isInvalidArgumentNamingTheIndex() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);
    values[4] = Float.NaN;

    StatusRuntimeException e = rejected(SITE_A, header(round, round.taskA(), values), values);

    assertStatus(Status.Code.INVALID_ARGUMENT, e, "parameter 4 is NaN");
    assertEquals(1.0, rejectedFor("non_finite"), "the rejection is counted with its reason");
    assertEquals(0.0, rejectedFor("hash_mismatch"));
  }

  @Test
  void infiniteValue_isInvalidArgumentNamingTheIndex() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);
    values[9] = Float.NEGATIVE_INFINITY;
    values[12] = Float.POSITIVE_INFINITY;

    StatusRuntimeException e = rejected(SITE_A, header(round, round.taskA(), values), values);

    assertStatus(Status.Code.INVALID_ARGUMENT, e, "parameter 9 is -Infinity");
  }

  @Test
  void valueBeyondTheAggregationRange_isInvalidArgument() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);
    values[2] = 3e38f;

    StatusRuntimeException e = rejected(SITE_A, header(round, round.taskA(), values), values);

    assertStatus(Status.Code.INVALID_ARGUMENT, e, "parameter 2 = 3.0E38");
  }

  @Test
  void sha256OfOtherBytes_isInvalidArgumentSayingMismatch() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);
    float[] tampered = values.clone();
    tampered[0] = 1.5f;

    StatusRuntimeException e = rejected(SITE_A, header(round, round.taskA(), values), tampered);

    assertStatus(Status.Code.INVALID_ARGUMENT, e, "sha256 mismatch: the header announced "
        + ParameterCodec.hash(values) + " but the parameters hash to " + ParameterCodec.hash(tampered));
    assertEquals(1.0, rejectedFor("hash_mismatch"), "the rejection is counted with its reason");
  }

  @Test
  void sha256NotLowerCaseHex_isInvalidArgument() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);
    UpdateHeader header = header(round, round.taskA(), values).toBuilder()
        .setSha256(ParameterCodec.hash(values).toUpperCase()).build();

    StatusRuntimeException e = rejected(SITE_A, header, values);

    assertStatus(Status.Code.INVALID_ARGUMENT, e, "sha256 must be 64 lower-case hex digits");
  }

  @Test
  void zeroExamples_isInvalidArgument() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);
    UpdateHeader header = header(round, round.taskA(), values).toBuilder().setNumExamples(0).build();

    StatusRuntimeException e = rejected(SITE_A, header, values);

    assertStatus(Status.Code.INVALID_ARGUMENT, e, "num_examples was 0");
  }

  @Test
  void exampleCountBeyondTheExactAggregationRange_isInvalidArgument() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 0.5f);
    UpdateHeader header =
        header(round, round.taskA(), values).toBuilder().setNumExamples((1L << 29) + 1).build();

    StatusRuntimeException e = rejected(SITE_A, header, values);

    assertStatus(Status.Code.INVALID_ARGUMENT, e,
        "num_examples was 536870913; an update's example count must be between 1 and 536870912");
  }

  // --- binding the update to the caller's task ---------------------------------------------

  @Test
  void wrongJobId_isInvalidArgumentNamingBothJobs() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);
    UpdateHeader header = header(round, round.taskA(), values).toBuilder().setJobId("job-other").build();

    StatusRuntimeException e = rejected(SITE_A, header, values);

    assertStatus(Status.Code.INVALID_ARGUMENT, e, "the update names job 'job-other' round 1, but task '"
        + round.taskA().getTaskId() + "' belongs to job '" + round.jobId() + "' round 1");
  }

  @Test
  void wrongRound_isInvalidArgumentNamingBothRounds() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);
    UpdateHeader header = header(round, round.taskA(), values).toBuilder().setRound(2).build();

    StatusRuntimeException e = rejected(SITE_A, header, values);

    assertStatus(Status.Code.INVALID_ARGUMENT, e, "round 2, but task");
    assertTrue(e.getStatus().getDescription().endsWith("' round 1"), e.getStatus().getDescription());
  }

  @Test
  void wrongBaseModel_isInvalidArgumentNamingTheRoundsModel() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);
    String other = ParameterCodec.hash(values);
    UpdateHeader header = header(round, round.taskA(), values).toBuilder().setBaseModelHash(other).build();

    StatusRuntimeException e = rejected(SITE_A, header, values);

    assertStatus(Status.Code.INVALID_ARGUMENT, e, "base_model_hash is '" + other
        + "', but the round trains from model '" + round.baseHash() + "'");
  }

  @Test
  void rejectedUpdate_usesUpTheTaskSoACorrectedRetryIsRefused() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);
    UpdateHeader good = header(round, round.taskA(), values);
    rejected(SITE_A, good.toBuilder().setRound(7).build(), values);

    StatusRuntimeException e = rejected(SITE_A, good, values);

    assertStatus(Status.Code.FAILED_PRECONDITION, e, "task '" + round.taskA().getTaskId()
        + "' is not open");
  }

  @Test
  void unknownSession_isFailedPreconditionAskingToRegister() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);
    UpdateHeader header =
        header(round, round.taskA(), values).toBuilder().setSessionId("0123456789abcdef").build();

    StatusRuntimeException e = rejected(SITE_A, header, values);

    assertStatus(Status.Code.FAILED_PRECONDITION, e, "call Register");
    assertSubmitted(SITE_A, header(round, round.taskA(), values), values);
  }

  @Test
  void anotherParticipantsSession_isFailedPrecondition() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);
    UpdateHeader header =
        header(round, round.taskA(), values).toBuilder().setSessionId(round.sessionB()).build();

    StatusRuntimeException e = rejected(SITE_A, header, values);

    assertStatus(Status.Code.FAILED_PRECONDITION, e, "belongs to another participant than 'site-a'");
  }

  @Test
  void taskOfTheOtherParticipant_isFailedPreconditionAndLeavesThatTaskOpen() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);
    UpdateHeader stolen = header(round, round.taskB(), values).toBuilder()
        .setSessionId(round.sessionA()).build();

    StatusRuntimeException e = rejected(SITE_A, stolen, values);

    assertStatus(Status.Code.FAILED_PRECONDITION, e, "task '" + round.taskB().getTaskId()
        + "' was not sent to participant 'site-a'");
    assertSubmitted(SITE_B, header(round, round.taskB(), values), values);
  }

  @Test
  void unknownTaskId_isFailedPrecondition() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);
    UpdateHeader header = header(round, round.taskA(), values).toBuilder().setTaskId("no-such-task").build();

    StatusRuntimeException e = rejected(SITE_A, header, values);

    assertStatus(Status.Code.FAILED_PRECONDITION, e, "task 'no-such-task' is not open");
  }

  @Test
  void pollWithUnknownSession_isFailedPreconditionAskingToRegister() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fleet(SITE_A).pollTask(PollTaskRequest.newBuilder().setSessionId("0123456789abcdef")
            .setWaitMillis(10).build()));

    // ParticipantAgent re-registers at once only on FAILED_PRECONDITION mentioning Register.
    assertStatus(Status.Code.FAILED_PRECONDITION, e, "call Register");
  }

  @Test
  void dataBeforeHeader_isInvalidArgument() throws Exception {
    Round round = startRound();

    StatusRuntimeException e = rejected(SITE_A, null, filled(DIMENSION, 1f));

    assertStatus(Status.Code.INVALID_ARGUMENT, e,
        "the first message of SubmitUpdate must be the UpdateHeader");
    float[] values = filled(DIMENSION, 1f);
    assertSubmitted(SITE_A, header(round, round.taskA(), values), values);
  }

  @Test
  void headerSentTwice_isInvalidArgument() throws Exception {
    Round round = startRound();
    float[] values = filled(DIMENSION, 1f);
    UpdateHeader header = header(round, round.taskA(), values);
    List<UpdateChunk> stream = new ArrayList<>();
    stream.add(UpdateChunk.newBuilder().setHeader(header).build());
    stream.add(UpdateChunk.newBuilder().setHeader(header).build());
    stream.addAll(dataChunks(values));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> upload(SITE_A, stream));

    assertStatus(Status.Code.INVALID_ARGUMENT, e, "the header was sent twice");
  }

  @Test
  void emptyStream_isInvalidArgument() throws Exception {
    startRound();

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> upload(SITE_A, List.of()));

    assertStatus(Status.Code.INVALID_ARGUMENT, e, "the update stream was empty");
  }

  // --- what reaches the global model ---------------------------------------------------------

  @Test
  void twoValidUpdates_commitTheirExactWeightedMean() throws Exception {
    Round round = startRound();
    float[] ones = filled(DIMENSION, 1f);
    float[] threes = filled(DIMENSION, 3f);

    assertSubmitted(SITE_A, header(round, round.taskA(), ones).toBuilder().setNumExamples(1)
        .putMetrics("train_loss", 0.5).build(), ones);
    assertSubmitted(SITE_B, header(round, round.taskB(), threes).toBuilder().setNumExamples(3)
        .putMetrics("train_loss", 0.1).build(), threes);
    List<RoundEvent> events = watchUntilEnded(round.jobId());

    float[] expected = filled(DIMENSION, 2.5f);
    assertArrayEquals(expected, globalModel(round.jobId()));
    RoundEvent committed = only(events, RoundEvent::hasCommitted);
    assertEquals(1, committed.getRound());
    assertEquals(List.of(SITE_A, SITE_B), committed.getCommitted().getParticipantsList());
    assertEquals(4, committed.getCommitted().getTotalExamples());
    assertEquals((0.5 * 1 + 0.1 * 3) / 4, committed.getCommitted().getTrainLoss(), 1e-12);
    assertEquals(ModelHash.of(JobSpecParser.parse(SPEC).modelConfigurationJson(), expected),
        committed.getCommitted().getModelHash());
    JobStatus status = job(round.jobId());
    assertEquals(JobState.JOB_STATE_SUCCEEDED, status.getState());
    assertEquals(1, status.getCompletedRounds());
    assertEquals(committed.getCommitted().getModelHash(), status.getModelHash());
  }

  @Test
  void rejectedUpdate_neverReachesTheGlobalModelAndTheRoundIsRetried() throws Exception {
    Round round = startRound();
    float[] poisoned = filled(DIMENSION, 1f);
    poisoned[2] = Float.NaN;
    float[] hundreds = filled(DIMENSION, 100f);

    // Attempt 1: site-a's update is rejected, site-b's is accepted, but min is 2.
    StatusRuntimeException e = rejected(SITE_A, header(round, round.taskA(), poisoned), poisoned);
    assertStatus(Status.Code.INVALID_ARGUMENT, e, "parameter 2 is NaN");
    assertSubmitted(SITE_B, header(round, round.taskB(), hundreds).toBuilder().setNumExamples(5)
        .build(), hundreds);

    Task retryA = poll(SITE_A, round.sessionA());
    Task retryB = poll(SITE_B, round.sessionB());
    assertEquals(1, retryA.getRound());
    assertNotEquals(round.taskA().getTaskId(), retryA.getTaskId());
    assertEquals(round.baseHash(), retryA.getTrain().getModelHash(), "the retry trains from the same model");
    JobStatus between = job(round.jobId());
    assertEquals(0, between.getCompletedRounds());
    assertEquals(round.baseHash(), between.getModelHash());
    // no round committed, so there is no result to download; the base is still what sites train from
    assertArrayEquals(round.base(), download(SITE_A, round.sessionA(), between.getModelHash()));

    // Attempt 2: two good updates; neither the NaN nor attempt 1's accepted update may show.
    Round retry = new Round(round.jobId(), round.sessionA(), round.sessionB(), retryA, retryB,
        round.baseHash(), round.base());
    float[] ones = filled(DIMENSION, 1f);
    float[] threes = filled(DIMENSION, 3f);
    assertSubmitted(SITE_A, header(retry, retryA, ones).toBuilder().setNumExamples(1).build(), ones);
    assertSubmitted(SITE_B, header(retry, retryB, threes).toBuilder().setNumExamples(3).build(), threes);
    List<RoundEvent> events = watchUntilEnded(round.jobId());

    assertArrayEquals(filled(DIMENSION, 2.5f), globalModel(round.jobId()));
    RoundEvent rejection = only(events, RoundEvent::hasRejected);
    assertEquals(SITE_A, rejection.getRejected().getParticipant());
    assertTrue(rejection.getRejected().getReason().contains("parameter 2 is NaN"),
        rejection.getRejected().getReason());
    RoundEvent retried = only(events, RoundEvent::hasRetried);
    assertEquals(1, retried.getRound());
    assertEquals(1, retried.getRetried().getAttempt());
    assertTrue(retried.getRetried().getReason().startsWith("1 of the cohort returned a usable update"),
        retried.getRetried().getReason());
    assertTrue(events.indexOf(rejection) < events.indexOf(retried));
    RoundEvent committed = only(events, RoundEvent::hasCommitted);
    assertEquals(4, committed.getCommitted().getTotalExamples());
    assertTrue(events.indexOf(retried) < events.indexOf(committed));
  }

  // --- the scripted federation -------------------------------------------------------------

  /** Registers both sites, submits the job, answers the statistics task and takes round 1. */
  private Round startRound() throws Exception {
    String sessionA = fleet(SITE_A).register(RegisterRequest.newBuilder().addDatasets("ai4i").build())
        .getSessionId();
    String sessionB = fleet(SITE_B).register(RegisterRequest.newBuilder().addDatasets("ai4i").build())
        .getSessionId();
    String jobId = admin("engineer/admin")
        .submitJob(SubmitJobRequest.newBuilder().setSpecJson(SPEC).build()).getJobId();

    answerStats(SITE_A, sessionA, jobId);
    answerStats(SITE_B, sessionB, jobId);

    Task taskA = poll(SITE_A, sessionA);
    Task taskB = poll(SITE_B, sessionB);
    assertTrue(taskA.hasTrain() && taskB.hasTrain(), "round 1 sends training tasks");
    assertEquals(1, taskA.getRound());
    assertEquals(taskA.getTrain().getModelHash(), taskB.getTrain().getModelHash());
    String baseHash = taskA.getTrain().getModelHash();
    float[] base = download(SITE_A, sessionA, baseHash);
    assertEquals(DIMENSION, base.length);
    return new Round(jobId, sessionA, sessionB, taskA, taskB, baseHash, base);
  }

  private void answerStats(String site, String session, String jobId) {
    Task task = poll(site, session);
    assertTrue(task.hasFeatureStats(), "the first task is feature statistics, got " + task);
    assertEquals(0, task.getRound());
    assertEquals(jobId, task.getJobId());
    fleet(site).reportResult(TaskResult.newBuilder().setSessionId(session).setTaskId(task.getTaskId())
        .setJobId(task.getJobId()).setRound(0).setFeatureStats(FeatureStats.newBuilder().setCount(10)
            .addSum(10).addSum(20).addSumOfSquares(20).addSumOfSquares(50)).build());
  }

  private Task poll(String site, String session) {
    Task task = fleet(site).pollTask(PollTaskRequest.newBuilder().setSessionId(session)
        .setWaitMillis(5_000).build()).getTask();
    assertTrue(!task.getTaskId().isEmpty(), site + " got no task within 5 s");
    return task;
  }

  private float[] download(String site, String session, String hash) {
    Iterator<ModelChunk> chunks = fleet(site).downloadModel(
        DownloadModelRequest.newBuilder().setSessionId(session).setModelHash(hash).build());
    return readModel(chunks, hash);
  }

  private float[] globalModel(String jobId) {
    return readModel(admin("engineer/admin")
        .downloadGlobalModel(GetJobRequest.newBuilder().setJobId(jobId).build()), null);
  }

  private static float[] readModel(Iterator<ModelChunk> chunks, String expectedHash) {
    ModelChunk first = chunks.next();
    assertTrue(first.hasHeader(), "a model stream starts with its header");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    chunks.forEachRemaining(chunk -> bytes.writeBytes(chunk.getData().toByteArray()));
    float[] values = ParameterCodec.decode(bytes.toByteArray());
    assertEquals(first.getHeader().getNumParameters(), values.length);
    assertEquals(first.getHeader().getModelHash(),
        ModelHash.of(first.getHeader().getConfigurationJson(), values));
    if (expectedHash != null) {
      assertEquals(expectedHash, first.getHeader().getModelHash());
    }
    return values;
  }

  private JobStatus job(String jobId) {
    return admin("engineer/admin").getJob(GetJobRequest.newBuilder().setJobId(jobId).build());
  }

  private List<RoundEvent> watchUntilEnded(String jobId) {
    List<RoundEvent> events = new ArrayList<>();
    admin("engineer/admin").watchJob(GetJobRequest.newBuilder().setJobId(jobId).build())
        .forEachRemaining(events::add);
    assertTrue(events.get(events.size() - 1).hasEnded(), "the watch ends with JobEnded: " + events);
    return events;
  }

  private static RoundEvent only(List<RoundEvent> events, java.util.function.Predicate<RoundEvent> kind) {
    List<RoundEvent> matching = events.stream().filter(kind).toList();
    assertEquals(1, matching.size(), "events: " + events);
    return matching.get(0);
  }

  private static UpdateHeader header(Round round, Task task, float[] values) {
    return UpdateHeader.newBuilder()
        .setSessionId(task == round.taskB() ? round.sessionB() : round.sessionA())
        .setTaskId(task.getTaskId()).setJobId(task.getJobId()).setRound(task.getRound())
        .setBaseModelHash(task.getTrain().getModelHash()).setNumParameters(values.length)
        .setSha256(ParameterCodec.hash(values)).setNumExamples(1).build();
  }

  private void assertSubmitted(String site, UpdateHeader header, float[] values) throws Exception {
    assertTrue(send(site, header, values).getAccepted(), site + "'s update was not accepted");
  }

  private StatusRuntimeException rejected(String caller, UpdateHeader header, float[] values) {
    return assertThrows(StatusRuntimeException.class, () -> send(caller, header, values));
  }

  private SubmitUpdateResponse send(String caller, UpdateHeader header, float[] values)
      throws Exception {
    List<UpdateChunk> stream = new ArrayList<>();
    if (header != null) {
      stream.add(UpdateChunk.newBuilder().setHeader(header).build());
    }
    stream.addAll(dataChunks(values));
    return upload(caller, stream);
  }

  private static List<UpdateChunk> dataChunks(float[] values) {
    return ParameterCodec.chunks(values).stream()
        .map(bytes -> UpdateChunk.newBuilder().setData(ByteString.copyFrom(bytes)).build()).toList();
  }

  private SubmitUpdateResponse upload(String caller, List<UpdateChunk> stream) throws Exception {
    CompletableFuture<SubmitUpdateResponse> reply = new CompletableFuture<>();
    StreamObserver<UpdateChunk> requests = FleetGrpc.newStub(channel)
        .withInterceptors(identity(caller)).withDeadlineAfter(RPC_SECONDS, TimeUnit.SECONDS)
        .submitUpdate(new StreamObserver<>() {
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
            reply.completeExceptionally(new AssertionError("SubmitUpdate completed without a reply"));
          }
        });
    stream.forEach(requests::onNext);
    requests.onCompleted();
    try {
      return reply.get(RPC_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException status) {
        throw status;
      }
      throw e;
    }
  }

  /** The coordinator's count of updates rejected for {@code reason} (factoryfl_updates_rejected_total). */
  private double rejectedFor(String reason) {
    io.micrometer.core.instrument.Counter counter = coordinator.metrics().registry()
        .find("factoryfl.updates.rejected").tag("reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }

  private static void assertStatus(Status.Code code, StatusRuntimeException e, String described) {
    assertEquals(code, e.getStatus().getCode(), String.valueOf(e.getStatus()));
    String description = e.getStatus().getDescription();
    assertTrue(description != null && description.contains(described),
        "expected the description to contain \"" + described + "\" but it was: " + description);
  }

  private FleetGrpc.FleetBlockingStub fleet(String caller) {
    return FleetGrpc.newBlockingStub(channel).withInterceptors(identity(caller))
        .withDeadlineAfter(RPC_SECONDS, TimeUnit.SECONDS);
  }

  private AdminGrpc.AdminBlockingStub admin(String caller) {
    return AdminGrpc.newBlockingStub(channel).withInterceptors(identity(caller))
        .withDeadlineAfter(RPC_SECONDS, TimeUnit.SECONDS);
  }

  private static float[] filled(int length, float value) {
    float[] values = new float[length];
    Arrays.fill(values, value);
    return values;
  }

  // --- identity without TLS ----------------------------------------------------------------

  private static final Metadata.Key<String> IDENTITY =
      Metadata.Key.of("x-test-identity", Metadata.ASCII_STRING_MARSHALLER);

  /** "site-a" is a participant; "name/role" is anyone else. */
  private static io.grpc.ClientInterceptor identity(String caller) {
    Metadata headers = new Metadata();
    headers.put(IDENTITY, caller.contains("/") ? caller : caller + "/participant");
    return MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  /**
   * Test-only stand-in for {@link AuthenticationInterceptor}: takes the caller from a header
   * ("name/role") so that one in-process server can serve several identities.
   */
  private static final class HeaderIdentity implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String claimed = headers.get(IDENTITY);
      if (claimed == null || !claimed.contains("/")) {
        call.close(Status.UNAUTHENTICATED.withDescription("x-test-identity: name/role missing"),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
      int slash = claimed.indexOf('/');
      PeerIdentity peer = new PeerIdentity(claimed.substring(0, slash),
          Role.parse(claimed.substring(slash + 1)));
      return Contexts.interceptCall(Context.current().withValue(Peers.PEER, peer), call, headers, next);
    }
  }
}
