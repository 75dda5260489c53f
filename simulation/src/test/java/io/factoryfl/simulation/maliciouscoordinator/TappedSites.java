package io.factoryfl.simulation.maliciouscoordinator;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.server.AuthenticationInterceptor;
import io.factoryfl.coordinator.server.CoordinatorServer;
import io.factoryfl.coordinator.server.ServerTls;
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
import io.factoryfl.participant.session.ChannelTls;
import io.factoryfl.participant.session.ParticipantAgent;
import io.factoryfl.participant.session.Site;
import io.factoryfl.proto.v1.RoundEvent;
import io.factoryfl.simulation.MaliciousSiteData;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A real federation over loopback mutual TLS (throwaway CA, real coordinator, real participant
 * code with enrolled certificates) in which each site's channel can carry a test interceptor: the
 * way to make a site misbehave without forking participant code.
 */
final class TappedSites implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final CoordinatorServer coordinator;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<ParticipantAgent> agents = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  final AdminClient admin;
  private final Map<String, Long> trainRows = new LinkedHashMap<>();

  /** A job's outcome: the last event and everything published on the way. */
  record Ended(String jobId, RoundEvent end, List<RoundEvent> events) {}

  /**
   * @param taps a site name to the interceptor on its channel (null for none)
   */
  TappedSites(Path dir, int sites, Function<String, ClientInterceptor> taps) throws Exception {
    this.dir = dir;
    Clock clock = Clock.systemUTC();
    CertificateAuthority ca = CertificateAuthority.create("malicious-site-test", clock, Duration.ofDays(2),
        new SecureRandom());
    Pem.writeCertificates(dir.resolve("ca.pem"), List.of(ca.certificate()));
    IssuedIdentity coordinatorIdentity =
        ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1), List.of("localhost"));
    coordinator = CoordinatorServer.assemble(
        ServerTls.serverBuilder(new InetSocketAddress("127.0.0.1", 0), TlsMaterial.of(coordinatorIdentity)),
        dir.resolve("coordinator-data"), clock, Duration.ofSeconds(5), new AuthenticationInterceptor(),
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
    int index = 0;
    for (MaliciousSiteData.Split factory : MaliciousSiteData.split(table, sites, 7)) {
      Path site = dir.resolve("sites").resolve(factory.name());
      ca.issue(factory.name(), Role.PARTICIPANT, Duration.ofDays(1), List.of()).writeTo(site, "site");
      Files.copy(dir.resolve("ca.pem"), site.resolve("ca.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      factory.write(site.resolve("data/train.csv"), site.resolve("data/eval.csv"));
      trainRows.put(factory.name(), (long) factory.train().rows());
      Files.writeString(site.resolve("site.json"), """
          {"coordinator": "%s",
           "tls": {"certificate": "site.pem", "private_key": "site-key.pem", "ca": "ca.pem"},
           "datasets": {"%s": {"path": "data/train.csv", "eval_path": "data/eval.csv"}},
           "poll_wait_seconds": 10}""".formatted(target, MaliciousSiteData.DATASET_NAME));
      start(ParticipantConfig.load(site.resolve("site.json")), taps.apply(factory.name()), ++index);
    }
    admin.awaitParticipants(sites, Duration.ofSeconds(60));
  }

  private void start(ParticipantConfig config, ClientInterceptor tap, int index) throws Exception {
    TlsMaterial tls = TlsMaterial.load(config.certificate(), config.privateKey(), config.ca());
    ManagedChannel channel = ChannelTls.open(config.coordinator(), tls);
    Site site = new Site(tls.self().name(), new DatasetCatalogue(config.datasets()),
        SigningIdentity.load(config.certificate(), config.signingKey()),
        tls.trustedCertificates().get(0), PolicyCheck.defaults(Clock.systemDefaultZone()), config.receipts());
    ParticipantAgent agent = new ParticipantAgent(site,
        tap == null ? channel : ClientInterceptors.intercept(channel, tap), config.pollWait(),
        new SplittableRandom(1000L * index));
    Thread thread = new Thread(agent, "participant-" + tls.self().name());
    thread.setDaemon(true);
    thread.start();
    channels.add(channel);
    agents.add(agent);
    threads.add(thread);
  }

  /** Each site's training rows: its example count in a round (all are below the default cap). */
  Map<String, Long> trainRows() {
    return Map.copyOf(trainRows);
  }

  /**
   * Each job starts from its own initial model (its own seed): the sites are shared by a test
   * class, and a site sends at most one masked input per base model, whatever the job.
   */
  private static final java.util.concurrent.atomic.AtomicLong SEEDS = new java.util.concurrent.atomic.AtomicLong(7);

  /** A secure job of one round on the AI4I data; {@code extra} is spliced into the spec's top level. */
  static String secureSpec(String name, int min, int max, String extra) {
    return """
        {"name": "%s", "model": {"template": "mlp", "hidden_layers": [16]},
         "dataset": {"name": "%s", "numeric_features": %s,
                     "categorical_features": [{"column": "Type", "categories": ["L", "M", "H"]}],
                     "label": "Machine failure", "label_classes": ["0", "1"]},
         "rounds": 1, "participants": {"min": %d, "max": %d},
         "training": {"local_epochs": 1, "batch_size": 64, "learning_rate": 0.01},
         "round_deadline_seconds": 30, "evaluate_every": 0, "seed": %d, "start_timeout_seconds": 60,
         "secure_aggregation": {"enabled": true}%s}"""
        .formatted(name, MaliciousSiteData.DATASET_NAME, MaliciousSiteData.numericJson(), min, max,
            SEEDS.getAndIncrement(), extra.isEmpty() ? "" : ", " + extra);
  }

  Ended run(String spec) {
    String jobId = admin.submit(spec).getJobId();
    List<RoundEvent> events = new ArrayList<>();
    RoundEvent end = admin.watch(jobId, Duration.ofSeconds(90), events::add);
    assertNotNull(end, "job " + jobId + " did not end within 90 s");
    return new Ended(jobId, end, events);
  }

  /** The job's round log records of one type, parsed. */
  List<JsonNode> records(String jobId, String type) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("coordinator-data/ledgers/" + jobId + ".jsonl"))) {
      JsonNode record = JSON.readTree(line);
      if (type.equals(record.path("type").asText())) {
        out.add(record);
      }
    }
    return out;
  }

  @Override
  public void close() throws InterruptedException {
    agents.forEach(ParticipantAgent::stop);
    for (Thread thread : threads) {
      thread.join(5_000);
    }
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    coordinator.stop();
  }
}
