package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.factoryfl.coordinator.server.ServerTls;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.participant.config.DatasetEntry;
import io.factoryfl.participant.data.DatasetCatalogue;
import io.factoryfl.core.secagg.StatisticsLayout;
import io.factoryfl.participant.policy.PolicyCheck;
import io.factoryfl.participant.session.ChannelTls;
import io.factoryfl.participant.session.ParticipantAgent;
import io.factoryfl.participant.session.Site;
import io.factoryfl.proto.v1.DatasetBinding;
import io.factoryfl.proto.v1.DownloadModelRequest;
import io.factoryfl.proto.v1.EvaluateTask;
import io.factoryfl.proto.v1.FeatureStatsTask;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.HeartbeatRequest;
import io.factoryfl.proto.v1.HeartbeatResponse;
import io.factoryfl.proto.v1.ModelChunk;
import io.factoryfl.proto.v1.ModelHeader;
import io.factoryfl.proto.v1.PollTaskRequest;
import io.factoryfl.proto.v1.PollTaskResponse;
import io.factoryfl.proto.v1.RefusalCode;
import io.factoryfl.proto.v1.RegisterRequest;
import io.factoryfl.proto.v1.RegisterResponse;
import io.factoryfl.proto.v1.ReportResultResponse;
import io.factoryfl.proto.v1.SecAggAdvertiseKeys;
import io.factoryfl.proto.v1.SecAggMaskedInput;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskResult;
import io.factoryfl.proto.v1.TrainTask;
import io.factoryfl.core.model.MlpTemplate;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator is not fully trusted. This one holds a real coordinator certificate from the
 * federation's CA, so the real participant agent (with no policy file, hence the documented
 * defaults) talks to it over mutual TLS; then it sends hostile tasks. Each must come back as a
 * refusal with its code, before the site allocates what the task asks for, and the site must stay
 * up to answer the next honest task.
 */
class FakeCoordinatorTest {
  private static final String MLP = MlpTemplate.configurationJson(2, List.of(4), 2, 0.01, 1);

  @TempDir Path dir;

  private final BlockingQueue<Task> tasks = new LinkedBlockingQueue<>();
  private final BlockingQueue<TaskResult> results = new LinkedBlockingQueue<>();
  private final AtomicInteger chunksSent = new AtomicInteger();
  private Server server;
  private ManagedChannel channel;
  private ParticipantAgent agent;

  @BeforeEach
  void start() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("federation", Clock.systemUTC(),
        Duration.ofDays(2), new SecureRandom());
    TlsMaterial coordinator = TlsMaterial.of(ca.issue("coordinator", Role.COORDINATOR,
        Duration.ofDays(1), List.of("localhost")));
    server = ServerTls.serverBuilder(new InetSocketAddress("127.0.0.1", 0), coordinator)
        .addService(new HostileFleet()).build().start();

    Path train = dir.resolve("train.csv");
    StringBuilder csv = new StringBuilder("x1,x2,y\n");
    for (int i = 0; i < 20; i++) {
      csv.append(i).append(',').append(i % 3).append(',').append(i % 2).append('\n');
    }
    Files.writeString(train, csv);
    var issued = ca.issue("plant-a", Role.PARTICIPANT, Duration.ofDays(1), List.of());
    channel = ChannelTls.open("localhost:" + server.getPort(), TlsMaterial.of(issued));
    agent = new ParticipantAgent(new Site("plant-a",
        new DatasetCatalogue(Map.of("press", new DatasetEntry("press", train, null, Map.of()))),
        io.factoryfl.core.security.SigningIdentity.of(issued), ca.certificate(), PolicyCheck.defaults(Clock.systemUTC()), dir.resolve("receipts.jsonl")),
        channel, Duration.ofMillis(500), new SplittableRandom(1));
    Thread thread = new Thread(agent, "participant-plant-a");
    thread.setDaemon(true);
    thread.start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    agent.stop();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void evaluationAsking400MillionHistogramBins_isRefusedByPolicy() throws Exception {
    TaskResult result = send(task("eval").setEvaluate(EvaluateTask.newBuilder()
        .setModelHash("m").setHistogramBins(400_000_000)));

    assertRefused(RefusalCode.POLICY, "limits.max_histogram_bins", result);
    assertSiteStillServes();
  }

  @Test
  void aMillionLocalEpochs_isRefusedByPolicy() throws Exception {
    TaskResult result = send(task("masked").setSecaggMaskedInput(SecAggMaskedInput.newBuilder()
        .setSessionTag("s").setTrain(TrainTask.newBuilder().setModelHash("m")
            .setLocalEpochs(1_000_000).setBatchSize(32).setLearningRate(0.01))));

    assertRefused(RefusalCode.POLICY, "limits.max_local_epochs", result);
    assertSiteStillServes();
  }

  @Test
  void aModelHeaderClaiming500MillionParameters_isRefusedBeforeAnyParameterIsAllocated()
      throws Exception {
    TaskResult result = send(task("advertise").setSecaggAdvertise(SecAggAdvertiseKeys.newBuilder()
        .setSessionTag("s").addCohort("plant-a").addCohort("plant-b").addCohort("plant-c")
        .setNeighbours(2).setThreshold(2).setModelHash("huge")));

    assertRefused(RefusalCode.POLICY, "models.max_parameters", result);
    assertTrue(chunksSent.get() < 50, "the site hung up after the header; chunks sent: " + chunksSent);
    assertSiteStillServes();
  }

  @Test
  void withoutAPolicyFile_plainTrainingAndACohortOfOneAreRefused() throws Exception {
    assertRefused(RefusalCode.POLICY, "secure_aggregation.required", send(task("train")
        .setTrain(TrainTask.newBuilder().setModelHash("m").setLocalEpochs(1).setBatchSize(8)
            .setLearningRate(0.01))));
    assertRefused(RefusalCode.POLICY, "secure_aggregation.min_cohort", send(task("advertise")
        .setSecaggAdvertise(SecAggAdvertiseKeys.newBuilder().setSessionTag("s")
            .addCohort("plant-a").setNeighbours(1).setThreshold(1).setModelHash("m"))));
    assertSiteStillServes();
  }

  @Test
  void statisticsOverTheLabel_areRefusedAsAnInvalidTask() throws Exception {
    TaskResult result = send(statisticsSession("stats").setDataset(DatasetBinding.newBuilder().setName("press")
        .addNumericFeatures("x1").addNumericFeatures("y").setLabelColumn("y")
        .addLabelClasses("0").addLabelClasses("1")));

    assertRefused(RefusalCode.TASK_INVALID, "dataset.label is also one of the task's features", result);
    assertSiteStillServes();
  }

  /**
   * An honest task the documented default policy accepts without a model: joining round 0's
   * secure feature-statistics session (plain statistics are refused where secure aggregation is
   * required, which is the default).
   */
  private void assertSiteStillServes() throws InterruptedException {
    TaskResult joined = send(statisticsSession("honest-" + honest.incrementAndGet()));
    assertTrue(joined.hasSecaggKeys(), "the site answers an honest task afterwards: " + joined);
  }

  private final java.util.concurrent.atomic.AtomicInteger honest = new java.util.concurrent.atomic.AtomicInteger();

  /** Stage 1 of round 0's statistics session, in a cohort of five the default policy accepts. */
  private static Task.Builder statisticsSession(String id) {
    return task(id).setRound(0).setSecaggAdvertise(SecAggAdvertiseKeys.newBuilder()
        .setSessionTag("job-x/r0/" + id).addCohort("plant-a").addCohort("plant-b").addCohort("plant-c")
        .addCohort("plant-d").addCohort("plant-e").setNeighbours(4).setThreshold(3).setClip(4).setBits(16)
        .setModelHash(StatisticsLayout.subject("job-x")).setMaxExamples(1000)
        .setStatistics(FeatureStatsTask.getDefaultInstance()));
  }

  private static void assertRefused(RefusalCode code, String rule, TaskResult result) {
    assertTrue(result.hasRefusal(), "expected a refusal, got " + result);
    assertEquals(code, result.getRefusal().getCode(), result.getRefusal().getReason());
    assertTrue(result.getRefusal().getReason().contains(rule), result.getRefusal().getReason());
  }

  private static Task.Builder task(String id) {
    return Task.newBuilder().setTaskId("job-x/r1/a1/" + id).setJobId("job-x").setRound(1)
        .setDataset(DatasetBinding.newBuilder().setName("press").addNumericFeatures("x1")
            .addNumericFeatures("x2").setLabelColumn("y").addLabelClasses("0").addLabelClasses("1"));
  }

  private TaskResult send(Task.Builder task) throws InterruptedException {
    tasks.add(task.build());
    TaskResult result = results.poll(60, TimeUnit.SECONDS);
    assertNotNull(result, "no answer from the site within 60 s");
    return result;
  }

  /** Follows the protocol's shape, lies in its values. */
  private final class HostileFleet extends FleetGrpc.FleetImplBase {
    @Override
    public void register(RegisterRequest request, StreamObserver<RegisterResponse> response) {
      response.onNext(RegisterResponse.newBuilder().setSessionId("session").setParticipantId("plant-a")
          .setHeartbeatIntervalMillis(1000).build());
      response.onCompleted();
    }

    @Override
    public void pollTask(PollTaskRequest request, StreamObserver<PollTaskResponse> response) {
      PollTaskResponse.Builder reply = PollTaskResponse.newBuilder();
      try {
        Task next = tasks.poll(Math.min(request.getWaitMillis(), 2000), TimeUnit.MILLISECONDS);
        if (next != null) {
          reply.setTask(next);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      response.onNext(reply.build());
      response.onCompleted();
    }

    @Override
    public void downloadModel(DownloadModelRequest request, StreamObserver<ModelChunk> response) {
      // Claims 5e8 parameters, then keeps streaming for as long as the site listens.
      ServerCallStreamObserver<ModelChunk> call = (ServerCallStreamObserver<ModelChunk>) response;
      response.onNext(ModelChunk.newBuilder().setHeader(ModelHeader.newBuilder()
          .setModelHash(request.getModelHash()).setConfigurationJson(MLP)
          .setNumParameters(500_000_000L)).build());
      ByteString chunk = ByteString.copyFrom(new byte[1 << 20]);
      for (int i = 0; i < 2000 && !call.isCancelled(); i++) {
        while (!call.isReady() && !call.isCancelled()) {
          try {
            Thread.sleep(5);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        response.onNext(ModelChunk.newBuilder().setData(chunk).build());
        chunksSent.incrementAndGet();
      }
      if (!call.isCancelled()) {
        response.onCompleted();
      }
    }

    @Override
    public void reportResult(TaskResult result, StreamObserver<ReportResultResponse> response) {
      results.add(result);
      response.onNext(ReportResultResponse.getDefaultInstance());
      response.onCompleted();
    }

    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
      response.onNext(HeartbeatResponse.newBuilder().setSessionValid(true).build());
      response.onCompleted();
    }
  }
}
