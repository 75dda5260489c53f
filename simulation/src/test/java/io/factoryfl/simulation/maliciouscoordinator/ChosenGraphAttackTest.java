package io.factoryfl.simulation.maliciouscoordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.factoryfl.coordinator.server.ServerTls;
import io.factoryfl.core.model.MlpTemplate;
import io.factoryfl.core.params.ModelHash;
import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.core.secagg.GraphSeed;
import io.factoryfl.core.secagg.NeighbourGraph;
import io.factoryfl.core.secagg.SecAggParameters;
import io.factoryfl.core.secagg.SecAggParticipant;
import io.factoryfl.core.secagg.SessionInfo;
import io.factoryfl.core.secagg.SignedKeys;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.participant.config.DatasetEntry;
import io.factoryfl.participant.data.DatasetCatalogue;
import io.factoryfl.participant.policy.PolicyCheck;
import io.factoryfl.participant.policy.SitePolicy;
import io.factoryfl.participant.session.ChannelTls;
import io.factoryfl.participant.session.ParticipantAgent;
import io.factoryfl.participant.session.Site;
import io.factoryfl.proto.v1.DatasetBinding;
import io.factoryfl.proto.v1.DownloadModelRequest;
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
import io.factoryfl.proto.v1.SecAggPublicKeys;
import io.factoryfl.proto.v1.SecAggShare;
import io.factoryfl.proto.v1.SecAggShareKeys;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskResult;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * H3, the chosen graph: a coordinator sends a setup with k = 1 (so a share is the secret and the
 * graph is a perfect matching), or a graph seed it ground so that the target's neighbours are its
 * colluders. The target is the real participant agent over mutual TLS with a certificate from the
 * federation CA; the other cohort members are real {@link SecAggParticipant}s whose keys are signed
 * with identity keys certified by the same CA (colluding sites hold genuine certificates).
 */
class ChosenGraphAttackTest {
  private static final String TARGET = "plant-a";
  private static final String MLP = MlpTemplate.configurationJson(2, List.of(4), 2, 0.01, 1);
  private static final float[] PARAMETERS = new float[(int) MlpTemplate.parameterCount(2, List.of(4), 2)];
  private static final String MODEL_HASH = ModelHash.of(MLP, PARAMETERS);

  @TempDir Path dir;

  private final BlockingQueue<Task> tasks = new LinkedBlockingQueue<>();
  private final BlockingQueue<TaskResult> results = new LinkedBlockingQueue<>();
  private CertificateAuthority ca;
  private Server server;
  private ManagedChannel channel;
  private ParticipantAgent agent;

  private void start(String policyJson) throws Exception {
    ca = CertificateAuthority.create("federation", Clock.systemUTC(), Duration.ofDays(2), new SecureRandom());
    TlsMaterial coordinator = TlsMaterial.of(ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1),
        List.of("localhost")));
    server = ServerTls.serverBuilder(new InetSocketAddress("127.0.0.1", 0), coordinator)
        .addService(new ChoosingFleet()).build().start();
    Path train = dir.resolve("train.csv");
    StringBuilder csv = new StringBuilder("x1,x2,y\n");
    for (int i = 0; i < 20; i++) {
      csv.append(i).append(',').append(i % 3).append(',').append(i % 2).append('\n');
    }
    Files.writeString(train, csv);
    var issued = ca.issue(TARGET, Role.PARTICIPANT, Duration.ofDays(1), List.of());
    channel = ChannelTls.open("localhost:" + server.getPort(), TlsMaterial.of(issued));
    SitePolicy policy = SitePolicy.parse(policyJson, "site-policy.json");
    agent = new ParticipantAgent(new Site(TARGET,
        new DatasetCatalogue(Map.of("press", new DatasetEntry("press", train, null, Map.of()))),
        SigningIdentity.of(issued), ca.certificate(), PolicyCheck.enforcing(() -> policy, Clock.systemUTC()),
        dir.resolve("receipts.jsonl")), channel, Duration.ofMillis(500), new SplittableRandom(1));
    Thread thread = new Thread(agent, "participant-" + TARGET);
    thread.setDaemon(true);
    thread.start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (agent != null) {
      agent.stop();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void oneNeighbour_isRefusedByTheSiteAndNoKeysReachTheCoordinator() throws Exception {
    start("{}");
    TaskResult result = send(task(1).setSecaggAdvertise(setup(1, cohort(4), 1, 1, 42)));

    assertTrue(result.hasRefusal(), "expected a refusal, got " + result);
    assertEquals(RefusalCode.POLICY, result.getRefusal().getCode(), result.getRefusal().getReason());
    assertTrue(result.getRefusal().getReason().contains("k = 1 neighbours in a cohort of 4 is below this"
        + " site's minimum of 3"), result.getRefusal().getReason());
    assertFalse(result.hasSecaggKeys());
  }

  @Test
  void aGroundGraphSeed_isIgnored_theSiteSharesOnlyWithTheNeighboursDerivedFromTheAdvertisedKeys()
      throws Exception {
    // A site that assumes no colluders accepts k = 4 in a cohort of 16, so the graph matters.
    start("{\"secure_aggregation\": {\"max_corruption\": 0, \"max_dropout\": 0}}");
    List<String> cohort = cohort(16);
    Set<String> colluders = Set.of("plant-b", "plant-c", "plant-d", "plant-e");
    long chosenSeed = groundSeed(cohort, colluders);
    Set<String> chosen = neighbourIds(cohort, NeighbourGraph.harary(16, 4, chosenSeed), TARGET);
    assertEquals(colluders, chosen, "the coordinator found a seed pairing the target with its colluders");

    // The same peers every round: the site pins each peer's identity key at first sight.
    java.util.Map<String, SigningIdentity> peers = new java.util.HashMap<>();
    boolean ignoredTheChoice = false;
    for (int round = 1; round <= 2; round++) {
      SessionInfo session = new SessionInfo("job-h3", round, MODEL_HASH, cohort,
          io.factoryfl.core.secagg.TrainingBinding.of(TRAIN, task(round).getDataset(), 1000));
      SecAggParameters parameters = SecAggParameters.of(16, 4, 3, 4.0, 20);
      TaskResult advertised = send(task(round).setSecaggAdvertise(setup(round, cohort, 4, 3, chosenSeed)));
      assertTrue(advertised.hasSecaggKeys(), "the site takes part: " + advertised);

      SignedKeys[] keys = new SignedKeys[16];
      SecAggShareKeys.Builder relay = SecAggShareKeys.newBuilder().setSessionTag(tag(round))
          .setRevocationList(ByteString.copyFrom(io.factoryfl.core.security.SignedRevocationList.sign(ca,
              io.factoryfl.core.security.RevocationList.empty()).encoded()));
      for (int i = 0; i < 16; i++) {
        String id = cohort.get(i);
        SecAggPublicKeys k;
        if (id.equals(TARGET)) {
          k = advertised.getSecaggKeys();
        } else {
          SigningIdentity peer = peers.computeIfAbsent(id,
              name -> SigningIdentity.of(ca.issue(name, Role.PARTICIPANT, Duration.ofDays(1), List.of())));
          SignedKeys own = new SecAggParticipant(id, session, parameters, peer.privateKey(), x -> null,
              new SecureRandom()).advertiseKeys();
          k = SecAggPublicKeys.newBuilder().setParticipant(id)
              .setEncryptionPublicKey(ByteString.copyFrom(own.encryptionPublicKey()))
              .setMaskingPublicKey(ByteString.copyFrom(own.maskingPublicKey()))
              .setSignature(ByteString.copyFrom(own.signature()))
              .setCertificate(ByteString.copyFrom(peer.certificateDer())).build();
        }
        keys[i] = new SignedKeys(id, k.getEncryptionPublicKey().toByteArray(),
            k.getMaskingPublicKey().toByteArray(), k.getSignature().toByteArray());
        relay.addKeys(k);
      }
      TaskResult shared = send(task(round).setTaskId("job-h3/r" + round + "/a1/shares")
          .setSecaggShareKeys(relay));
      assertTrue(shared.hasSecaggShares(), "the site shares its keys: " + shared);

      Set<String> recipients = new TreeSet<>();
      for (SecAggShare share : shared.getSecaggShares().getSharesList()) {
        recipients.add(share.getTo());
      }
      Set<String> derived = neighbourIds(cohort, GraphSeed.graph(session, 4, keys), TARGET);
      assertEquals(derived, recipients, "round " + round + ": the site's shares go to the derived neighbours");
      ignoredTheChoice |= !recipients.equals(chosen);
    }
    assertTrue(ignoredTheChoice, "the chosen neighbourhood was never the one used");
  }

  /** The coordinator's search: the first seed whose Harary graph makes the colluders the target's neighbours. */
  private static long groundSeed(List<String> cohort, Set<String> colluders) {
    for (long seed = 0; ; seed++) {
      if (neighbourIds(cohort, NeighbourGraph.harary(cohort.size(), 4, seed), TARGET).equals(colluders)) {
        return seed;
      }
    }
  }

  private static Set<String> neighbourIds(List<String> cohort, NeighbourGraph graph, String id) {
    Set<String> ids = new TreeSet<>();
    for (int v : graph.neighbours(cohort.indexOf(id))) {
      ids.add(cohort.get(v));
    }
    return ids;
  }

  private static List<String> cohort(int n) {
    List<String> ids = new ArrayList<>();
    ids.add(TARGET);
    for (int i = 1; i < n; i++) {
      ids.add("plant-" + (char) ('a' + i));
    }
    return ids;
  }

  private static String tag(int round) {
    return "job-h3/r" + round + "/a1";
  }

  /** The training every site of the session is bound to (issue 8 item 1). */
  private static final io.factoryfl.proto.v1.TrainTask TRAIN = io.factoryfl.proto.v1.TrainTask.newBuilder()
      .setModelHash(MODEL_HASH).setLocalEpochs(1).setBatchSize(8).setLearningRate(0.01)
      .setNormalization(io.factoryfl.proto.v1.Normalization.newBuilder().addMean(0).addMean(0)
          .addStd(1).addStd(1)).build();

  private static SecAggAdvertiseKeys setup(int round, List<String> cohort, int k, int t, long graphSeed) {
    return SecAggAdvertiseKeys.newBuilder().setSessionTag(tag(round)).addAllCohort(cohort)
        .setNeighbours(k).setThreshold(t).setGraphSeed(graphSeed).setClip(4.0).setBits(20)
        .setModelHash(MODEL_HASH).setMaxExamples(1000).setTrain(TRAIN).build();
  }

  private static Task.Builder task(int round) {
    return Task.newBuilder().setTaskId("job-h3/r" + round + "/a1/keys").setJobId("job-h3").setRound(round)
        .setDataset(DatasetBinding.newBuilder().setName("press").addNumericFeatures("x1")
            .addNumericFeatures("x2").setLabelColumn("y").addLabelClasses("0").addLabelClasses("1"));
  }

  private TaskResult send(Task.Builder task) throws InterruptedException {
    tasks.add(task.build());
    TaskResult result = results.poll(30, TimeUnit.SECONDS);
    assertNotNull(result, "no answer from the site within 30 s");
    return result;
  }

  /** Serves the tasks the test queues and a small honest model; collects what the site sends. */
  private final class ChoosingFleet extends FleetGrpc.FleetImplBase {
    @Override
    public void register(RegisterRequest request, StreamObserver<RegisterResponse> response) {
      response.onNext(RegisterResponse.newBuilder().setSessionId("session").setParticipantId(TARGET)
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
      response.onNext(ModelChunk.newBuilder().setHeader(ModelHeader.newBuilder().setModelHash(MODEL_HASH)
          .setConfigurationJson(MLP).setNumParameters(PARAMETERS.length)).build());
      response.onNext(ModelChunk.newBuilder().setData(ByteString.copyFrom(ParameterCodec.encode(PARAMETERS))).build());
      response.onCompleted();
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
