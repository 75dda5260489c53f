package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.admin.EventFormat;
import io.factoryfl.coordinator.server.AuthenticationInterceptor;
import io.factoryfl.coordinator.server.CoordinatorServer;
import io.factoryfl.coordinator.server.ServerTls;
import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.Pem;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.participant.config.ParticipantConfig;
import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.participant.data.DatasetCatalogue;
import io.factoryfl.participant.policy.PolicyCheck;
import io.factoryfl.participant.policy.SitePolicy;
import io.factoryfl.participant.session.ChannelTls;
import io.factoryfl.participant.session.ParticipantAgent;
import io.factoryfl.participant.session.Site;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.RoundEvent;
import io.factoryfl.proto.v1.UpdateChunk;
import io.factoryfl.proto.v1.UpdateHeader;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A malicious participant with a real enrolled certificate, over real loopback mutual TLS, sends
 * its trained model scaled by 1000 through the real Fleet upload (its channel rewrites the upload
 * and its content hash, so the coordinator accepts it as well-formed). Each job runs one plain
 * round twice from the same seed, once with the site honest and once malicious: plain FedAvg is
 * wrecked, while the median and L2 clipping keep the model within their documented bounds of the
 * honest run, bounds computed here from what every site actually uploaded.
 */
class PoisoningEndToEndTest {
  private static final int SITES = 5;
  private static final String ATTACKER = "factory-5";
  private static final double CLIP = 0.5;
  private static final Duration HEARTBEAT_GRACE = Duration.ofSeconds(5);

  @TempDir Path temp;

  private CoordinatorServer coordinator;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<ParticipantAgent> agents = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final Map<String, UploadTap> taps = new ConcurrentHashMap<>();
  private AdminClient admin;

  @AfterEach
  void stop() throws InterruptedException {
    agents.forEach(ParticipantAgent::stop);
    for (Thread thread : threads) {
      thread.join(5_000);
    }
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (coordinator != null) {
      coordinator.stop();
    }
  }

  @Test
  @Timeout(120)
  void oneSiteScalingItsUpdateBy1000_wrecksFedAvgButNotMedianOrClipping() throws Exception {
    startFederation();

    float[] honestFedAvg = runJob("fedavg-honest", null, false).parameters();
    float[] poisonedFedAvg = runJob("fedavg-poisoned", null, true).parameters();

    Job honestMedian = runJob("median-honest", "{\"rule\": \"median\"}", false);
    Job poisonedMedian = runJob("median-poisoned", "{\"rule\": \"median\"}", true);
    Job honestClip = runJob("clip-honest", "{\"clip_norm\": " + CLIP + "}", false);
    Job poisonedClip = runJob("clip-poisoned", "{\"clip_norm\": " + CLIP + "}", true);

    // Same seed, same data: the honest sites upload bit-identical models in both runs, so any
    // difference between the runs is the attacker's doing.
    for (String site : taps.keySet()) {
      if (!site.equals(ATTACKER)) {
        assertArrayEquals(taps.get(site).trained(honestMedian.id()),
            taps.get(site).trained(poisonedMedian.id()), site + " trained differently");
      }
    }

    // Median: every coordinate stays within the honest sites' range, so the distance to the honest
    // run is at most the norm of that range's width.
    float[][] range = honestRange(poisonedMedian.id());
    double medianBound = 0;
    for (int i = 0; i < range[0].length; i++) {
      float value = poisonedMedian.parameters()[i];
      assertTrue(value >= range[0][i] && value <= range[1][i], "median coordinate " + i + " = " + value
          + " outside the honest range [" + range[0][i] + ", " + range[1][i] + "]");
      medianBound += Math.pow(range[1][i] - range[0][i], 2);
    }
    medianBound = Math.sqrt(medianBound);
    double medianMoved = distance(poisonedMedian.parameters(), honestMedian.parameters());
    assertTrue(medianMoved <= medianBound, "median moved " + medianMoved + ", bound " + medianBound);

    // Clipped FedAvg: the attacker (weight w of W) moves the round by at most 2 C w / W.
    double w = taps.get(ATTACKER).examples(poisonedClip.id());
    double total = 0;
    for (UploadTap tap : taps.values()) {
      total += tap.examples(poisonedClip.id());
    }
    double clipBound = 2 * CLIP * w / total + 1e-4;
    double clipMoved = distance(poisonedClip.parameters(), honestClip.parameters());
    assertTrue(clipMoved <= clipBound, "clipped FedAvg moved " + clipMoved + ", bound " + clipBound);

    double fedAvgMoved = distance(poisonedFedAvg, honestFedAvg);
    System.out.printf("poisoning e2e: fedavg moved %.4g; median moved %.4g (bound %.4g);"
        + " clip moved %.4g (bound %.4g)%n", fedAvgMoved, medianMoved, medianBound, clipMoved, clipBound);
    assertTrue(fedAvgMoved > 50 * Math.max(medianBound, clipBound), "plain FedAvg moved only "
        + fedAvgMoved + "; the attack must wreck it for this test to show anything");
  }

  @Test
  @Timeout(120)
  void secureRoundWithClipNorm_isTrainedBySitesAndMovesTheModelAtMostC() throws Exception {
    startFederation();
    double clip = 0.05;
    String spec = spec("secure-clipped", "{\"clip_norm\": " + clip + "}", true);
    float[] initial = io.factoryfl.core.model.ModelDefinition.fromJson(
        io.factoryfl.core.job.JobSpecParser.parse(spec).modelConfigurationJson()).initialParameters();
    Job job = runJob(spec, false);
    double moved = distance(job.parameters(), initial);
    assertTrue(moved > 0 && moved <= clip + 1e-4, "a secure round moved the model by " + moved
        + "; clip_norm is " + clip);
  }

  private record Job(String id, float[] parameters) {}

  private Job runJob(String name, String robust, boolean poison) throws Exception {
    return runJob(spec(name, robust, false), poison);
  }

  private static String spec(String name, String robust, boolean secure) {
    return """
        {"name": "%s", "model": {"template": "mlp", "hidden_layers": [16]},
         "dataset": {"name": "%s", "numeric_features": %s,
                     "categorical_features": [{"column": "Type", "categories": ["L", "M", "H"]}],
                     "label": "Machine failure", "label_classes": ["0", "1"]},
         "rounds": 1, "participants": {"min": %d, "max": %d},
         "training": {"local_epochs": 1, "batch_size": 64, "learning_rate": 0.01},
         "round_deadline_seconds": 60, "evaluate_every": 0, "seed": 7, "start_timeout_seconds": 60,
         "secure_aggregation": {"enabled": %s}%s}"""
        .formatted(name, SimulationConfig.DATASET_NAME, json(SimulationConfig.NUMERIC), SITES, SITES,
            secure, robust == null ? "" : ", \"robust_aggregation\": " + robust);
  }

  private Job runJob(String spec, boolean poison) throws Exception {
    taps.get(ATTACKER).poison = poison;
    String name = io.factoryfl.core.job.JobSpecParser.parse(spec).name();
    String jobId = admin.submit(spec).getJobId();
    RoundEvent end = admin.watch(jobId, Duration.ofSeconds(90), event -> { });
    assertNotNull(end, "job " + name + " did not end within 90 s");
    assertEquals(JobState.JOB_STATE_SUCCEEDED, end.getEnded().getState(), EventFormat.line(end));
    return new Job(jobId, admin.downloadModel(jobId).parameters());
  }

  private static String json(List<String> values) {
    StringBuilder out = new StringBuilder("[");
    for (String value : values) {
      out.append(out.length() > 1 ? ", " : "").append('"').append(value).append('"');
    }
    return out.append(']').toString();
  }

  /** Per coordinate, the lowest and highest value the honest sites uploaded in a job. */
  private float[][] honestRange(String jobId) {
    float[] low = null;
    float[] high = null;
    for (Map.Entry<String, UploadTap> entry : taps.entrySet()) {
      if (entry.getKey().equals(ATTACKER)) {
        continue;
      }
      float[] sent = entry.getValue().trained(jobId);
      if (low == null) {
        low = sent.clone();
        high = sent.clone();
      }
      for (int i = 0; i < sent.length; i++) {
        low[i] = Math.min(low[i], sent[i]);
        high[i] = Math.max(high[i], sent[i]);
      }
    }
    return new float[][] {low, high};
  }

  private static double distance(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += Math.pow((double) a[i] - b[i], 2);
    }
    return Math.sqrt(sum);
  }

  /**
   * Sits on a participant's channel and sees each plain upload whole: records the trained model
   * and its example count per job, and when {@code poison} is set replaces the model by 1000 times
   * itself, with a content hash to match, before anything reaches the coordinator.
   */
  private static final class UploadTap implements ClientInterceptor {
    volatile boolean poison;
    private final Map<String, float[]> trained = new ConcurrentHashMap<>();
    private final Map<String, Long> examples = new ConcurrentHashMap<>();

    float[] trained(String jobId) {
      float[] sent = trained.get(jobId);
      assertNotNull(sent, "no upload seen for job " + jobId);
      return sent;
    }

    long examples(String jobId) {
      return examples.get(jobId);
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
        Channel next) {
      ClientCall<Q, R> call = next.newCall(method, options);
      if (!method.getFullMethodName().equals(FleetGrpc.getSubmitUpdateMethod().getFullMethodName())) {
        return call;
      }
      return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
        private final List<UpdateChunk> buffered = new ArrayList<>();

        @Override
        public void sendMessage(Q message) {
          buffered.add((UpdateChunk) message);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void halfClose() {
          UpdateHeader header = buffered.get(0).getHeader();
          if (header.getMasked()) {
            for (UpdateChunk chunk : buffered) {
              delegate().sendMessage((Q) chunk);
            }
            super.halfClose();
            return;
          }
          ByteArrayOutputStream bytes = new ByteArrayOutputStream();
          for (UpdateChunk chunk : buffered.subList(1, buffered.size())) {
            bytes.writeBytes(chunk.getData().toByteArray());
          }
          float[] parameters = ParameterCodec.decode(bytes.toByteArray());
          trained.put(header.getJobId(), parameters.clone());
          examples.put(header.getJobId(), header.getNumExamples());
          if (poison) {
            for (int i = 0; i < parameters.length; i++) {
              parameters[i] *= 1000;
            }
            header = header.toBuilder().setSha256(ParameterCodec.hash(parameters)).build();
          }
          delegate().sendMessage((Q) UpdateChunk.newBuilder().setHeader(header).build());
          for (byte[] chunk : ParameterCodec.chunks(parameters)) {
            delegate().sendMessage((Q) UpdateChunk.newBuilder().setData(ByteString.copyFrom(chunk)).build());
          }
          super.halfClose();
        }
      };
    }
  }

  private void startFederation() throws Exception {
    Clock clock = Clock.systemUTC();
    SecureRandom random = new SecureRandom();
    CertificateAuthority ca = CertificateAuthority.create("poisoning-test", clock, Duration.ofDays(2), random);
    Pem.writeCertificates(temp.resolve("ca.pem"), List.of(ca.certificate()));
    IssuedIdentity coordinatorIdentity =
        ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1), List.of("localhost"));
    coordinator = CoordinatorServer.assemble(
        ServerTls.serverBuilder(new InetSocketAddress("127.0.0.1", 0), TlsMaterial.of(coordinatorIdentity)),
        temp.resolve("coordinator-data"), clock, HEARTBEAT_GRACE, new AuthenticationInterceptor(),
        SigningIdentity.of(coordinatorIdentity), null,
        io.factoryfl.coordinator.server.CoordinatorLimits.defaults(),
        io.factoryfl.coordinator.enrol.RelayedRevocations.inProcess(ca,
            io.factoryfl.core.security.RevocationList::empty, clock)).start();
    String target = "localhost:" + coordinator.port();
    ManagedChannel adminChannel = AdminClient.openChannel(target,
        TlsMaterial.of(ca.issue("ml-engineer", Role.ADMIN, Duration.ofDays(1), List.of())));
    channels.add(adminChannel);
    admin = new AdminClient(adminChannel);

    CsvTable table;
    try (InputStream in = getClass().getResourceAsStream("/datasets/ai4i2020.csv")) {
      table = CsvTable.parse("ai4i2020.csv", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    List<Factory> factories = Partitioner.split(table, SITES, SimulationConfig.TYPE,
        SimulationConfig.PRODUCT_ID, SimulationConfig.HOLD_OUT, 7);
    int index = 0;
    for (Factory factory : factories) {
      Path site = temp.resolve("sites").resolve(factory.name());
      ca.issue(factory.name(), Role.PARTICIPANT, Duration.ofDays(1), List.of()).writeTo(site, "site");
      Files.copy(temp.resolve("ca.pem"), site.resolve("ca.pem"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      CsvWriter.write(factory.train(), site.resolve("data/train.csv"));
      CsvWriter.write(factory.eval(), site.resolve("data/eval.csv"));
      Files.writeString(site.resolve("site.json"), """
          {"coordinator": "%s",
           "tls": {"certificate": "site.pem", "private_key": "site-key.pem", "ca": "ca.pem"},
           "datasets": {"%s": {"path": "data/train.csv", "eval_path": "data/eval.csv"}},
           "poll_wait_seconds": 10}""".formatted(target, SimulationConfig.DATASET_NAME));
      startParticipant(factory.name(), ParticipantConfig.load(site.resolve("site.json")), ++index);
    }
    admin.awaitParticipants(SITES, Duration.ofSeconds(60));
  }

  /** The default policy, except that these plants agree to plain FedAvg rounds. */
  private static final SitePolicy PLAIN_ALLOWED =
      SitePolicy.parse("{\"secure_aggregation\": {\"required\": false}}", "test policy");

  private void startParticipant(String name, ParticipantConfig config, int index) throws Exception {
    TlsMaterial tls = TlsMaterial.load(config.certificate(), config.privateKey(), config.ca());
    ManagedChannel channel = ChannelTls.open(config.coordinator(), tls);
    UploadTap tap = new UploadTap();
    taps.put(name, tap);
    Site site = new Site(tls.self().name(), new DatasetCatalogue(config.datasets()),
        SigningIdentity.load(config.certificate(), config.signingKey()),
        tls.trustedCertificates().get(0), PolicyCheck.enforcing(() -> PLAIN_ALLOWED, Clock.systemUTC()),
        config.receipts());
    ParticipantAgent agent = new ParticipantAgent(site, ClientInterceptors.intercept(channel, tap),
        config.pollWait(), new SplittableRandom(1000L * index));
    Thread thread = new Thread(agent, "participant-" + name);
    thread.setDaemon(true);
    thread.start();
    channels.add(channel);
    agents.add(agent);
    threads.add(thread);
  }
}
