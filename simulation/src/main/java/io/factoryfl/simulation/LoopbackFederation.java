package io.factoryfl.simulation;

import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.admin.AuditClient;
import io.factoryfl.coordinator.server.AuthenticationInterceptor;
import io.factoryfl.coordinator.enrol.RelayedRevocations;
import io.factoryfl.coordinator.server.CoordinatorLimits;
import io.factoryfl.coordinator.server.CoordinatorServer;
import io.factoryfl.core.ops.ObservabilityServer;
import io.factoryfl.coordinator.metrics.CoordinatorMetrics;
import io.factoryfl.coordinator.server.ServerTls;
import io.factoryfl.coordinator.store.CoordinatorStore;
import io.factoryfl.coordinator.store.EmbeddedStore;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.Pem;
import io.factoryfl.core.security.RevocationList;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.participant.config.ParticipantConfig;
import io.factoryfl.participant.metrics.ParticipantMetrics;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A whole federation on one machine, wired as a deployment: a throwaway CA, a coordinator
 * listening on a loopback socket with mutual TLS 1.3, and one participant node per factory, each
 * with its own directory holding its config file, certificate, key and CSV files, started through
 * the same config loader and agent as {@code factoryfl participant}. One difference, fine for a
 * simulation and not for a deployment: the CA lives in the same JVM as the coordinator, which
 * relays the revocation list the CA signs here (in production it runs as {@code factoryfl ca
 * serve} and the coordinator never holds its key). With {@code --processes} each participant is
 * instead its own process running the participant binary ({@link ProcessFleet}); the coordinator
 * stays in this JVM.
 */
final class LoopbackFederation implements AutoCloseable {
  private static final Duration CERT_VALIDITY = Duration.ofDays(2);
  /**
   * How long a busy site may go without a call before it is dropped: 5 s, plus 60 ms per site. A
   * waiting site is alive through its open poll; a working site through its heartbeat, which one
   * machine simulating a thousand sites on two cores sends late while it streams the share-keys
   * stage to all of them (1,000 sites: 65 s; a crash is still caught within the round).
   */
  static Duration heartbeatGrace(int sites) {
    return Duration.ofSeconds(5).plusMillis(60L * sites);
  }

  private final CoordinatorServer coordinator;
  private final List<ParticipantNode> nodes = new ArrayList<>();
  /**
   * The sites work off their tasks two per core at most: one machine plays every plant, and a
   * thousand sites computing at once would starve the network threads they all depend on.
   */
  private final java.util.concurrent.Semaphore workPermits =
      new java.util.concurrent.Semaphore(2 * Runtime.getRuntime().availableProcessors());
  /** The participant processes with --processes; null when the participants are threads here. */
  private final ProcessFleet processes;
  private final ManagedChannel adminChannel;
  private final AdminClient admin;
  private final ManagedChannel auditorChannel;
  private final AuditClient auditor;
  /** The coordinator's observability endpoint, or null without --metrics-port. */
  private ObservabilityServer metrics;

  private LoopbackFederation(CoordinatorServer coordinator, ManagedChannel adminChannel,
      ManagedChannel auditorChannel, ProcessFleet processes) {
    this.coordinator = coordinator;
    this.processes = processes;
    this.adminChannel = adminChannel;
    this.admin = new AdminClient(adminChannel);
    this.auditorChannel = auditorChannel;
    this.auditor = new AuditClient(auditorChannel);
  }

  /** Writes the sites' directories under {@code out} and starts coordinator and participants. */
  static LoopbackFederation start(List<? extends Plant> factories, SimulationConfig simulation)
      throws IOException {
    return start(factories, simulation, SimulationConfig.DATASET_NAME);
  }

  /** As {@link #start(List, SimulationConfig)}, the sites' catalogues naming the data {@code dataset}. */
  static LoopbackFederation start(List<? extends Plant> factories, SimulationConfig simulation, String dataset)
      throws IOException {
    return start(factories, simulation, dataset, EmbeddedStore::open);
  }

  /**
   * As above, the coordinator keeping its jobs in the store {@code store} opens for its data
   * directory (the embedded store by default; memory or PostgreSQL for the durability benchmark).
   */
  static LoopbackFederation start(List<? extends Plant> factories, SimulationConfig simulation, String dataset,
      java.util.function.Function<Path, CoordinatorStore> store) throws IOException {
    Path out = simulation.out();
    Clock clock = Clock.systemUTC();
    SecureRandom random = new SecureRandom();
    CertificateAuthority ca =
        CertificateAuthority.create("factoryfl-simulation", clock, CERT_VALIDITY.multipliedBy(2), random);
    Files.createDirectories(out);
    // Every run simulates new plants: a previous run's sites, receipts (and the sites' records of
    // which base models they already contributed to) and coordinator state would otherwise carry over.
    for (String previous : List.of("sites", "receipts", "coordinator-data")) {
      deleteTree(out.resolve(previous));
    }
    Pem.writeCertificates(out.resolve("ca.pem"), List.of(ca.certificate()));

    ProcessFleet processes = simulation.processes() == null ? null
        : ProcessFleet.create(simulation.processes(), simulation.faults());
    IssuedIdentity coordinatorIdentity =
        ca.issue("coordinator", Role.COORDINATOR, CERT_VALIDITY, List.of("localhost"));
    CoordinatorServer server = CoordinatorServer.assemble(
        ServerTls.serverBuilder(new InetSocketAddress("127.0.0.1", 0), TlsMaterial.of(coordinatorIdentity)),
        out.resolve("coordinator-data"), clock, heartbeatGrace(factories.size()),
        processes == null ? new AuthenticationInterceptor() : processes.watching(new AuthenticationInterceptor()),
        SigningIdentity.of(coordinatorIdentity), null, CoordinatorLimits.defaults(),
        RelayedRevocations.inProcess(ca, RevocationList::empty, clock),
        store.apply(out.resolve("coordinator-data")), CoordinatorMetrics.fresh())
        .start();
    String target = "localhost:" + server.port();

    IssuedIdentity engineer = ca.issue("ml-engineer", Role.ADMIN, CERT_VALIDITY, List.of());
    IssuedIdentity auditor = ca.issue("auditor", Role.AUDITOR, CERT_VALIDITY, List.of());
    LoopbackFederation federation = new LoopbackFederation(server,
        AdminClient.openChannel(target, TlsMaterial.of(engineer)),
        AdminClient.openChannel(target, TlsMaterial.of(auditor)), processes);
    if (simulation.metricsPort() != 0) {
      try {
        federation.metrics = ObservabilityServer.start(new InetSocketAddress("127.0.0.1", simulation.metricsPort()),
            server.metrics().registry(), server.readiness());
      } catch (IOException e) {
        federation.closeQuietly();
        throw e;
      }
    }
    int index = 0;
    for (Plant factory : factories) {
      Path site = out.resolve("sites").resolve(factory.name());
      ca.issue(factory.name(), Role.PARTICIPANT, CERT_VALIDITY, List.of()).writeTo(site, "site");
      String entry = factory.writeData(site);
      Path policy = simulation.policies().get(factory.name());
      if (policy != null) {
        Files.copy(policy, site.resolve("site-policy.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } else if (!simulation.secureAggregation()) {
        // A site without a policy file requires secure aggregation (the documented default), so
        // the simulated plants of a plain-FedAvg run opt in to it explicitly, as a plant would.
        Files.writeString(site.resolve("site-policy.json"), PLAIN_FEDAVG_POLICY, StandardCharsets.UTF_8);
      }
      boolean hasPolicy = Files.exists(site.resolve("site-policy.json"));
      Files.writeString(site.resolve("site.json"), siteConfig(target, dataset, entry, factory.name(), hasPolicy),
          StandardCharsets.UTF_8);
      try {
        if (processes != null) {
          processes.start(factory.name(), site.resolve("site.json"));
        } else {
          federation.startParticipant(ParticipantConfig.load(site.resolve("site.json")),
              new SplittableRandom(simulation.seed() + 1000L * ++index), simulation.faultsOf(factory.name()));
        }
      } catch (IOException | RuntimeException e) {
        federation.closeQuietly();
        throw e;
      }
    }
    if (processes != null) {
      try {
        // JVMs starting side by side on a few busy cores can take minutes; a process that exits
        // ends the wait at once
        processes.awaitRegistered(federation.admin, Duration.ofSeconds(Math.max(180, 5L * factories.size())));
      } catch (RuntimeException e) {
        federation.closeQuietly();
        throw e;
      }
    }
    return federation;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  /** The site policy of a simulated plant that agrees to plain FedAvg ({@code --no-secagg}). */
  static final String PLAIN_FEDAVG_POLICY = "{\"secure_aggregation\": {\"required\": false}}\n";

  static String siteConfig(String target, String dataset, String name, boolean policy) {
    return siteConfig(target, dataset, Factory.CSV_ENTRY, name, policy);
  }

  /** A site's config with {@code entry} (a JSON object) as the catalogue entry of {@code dataset}. */
  static String siteConfig(String target, String dataset, String entry, String name, boolean policy) {
    return """
        {
          "coordinator": "%s",
          "tls": {"certificate": "site.pem", "private_key": "site-key.pem", "ca": "ca.pem"},
          "datasets": {
            "%s": %s
          },
          "poll_wait_seconds": 10,
          "receipts": "../../receipts/%s.jsonl"%s
        }
        """.formatted(target, dataset, entry, name,
            policy ? ",\n  \"policy\": \"site-policy.json\"" : "");
  }

  private void startParticipant(ParticipantConfig config, SplittableRandom random, List<Fault> faults)
      throws IOException {
    nodes.add(ParticipantNode.start(config, random, faults.isEmpty() ? List.of() : List.of(new FaultInjector(faults)),
        workPermits));
  }

  /** The port of the coordinator's /metrics, /healthz and /readyz on 127.0.0.1; 0 when not served. */
  int metricsPort() {
    return metrics == null ? 0 : metrics.port();
  }

  /** The meters of the {@code index}-th site (in the order of the factories), as its node would serve them. */
  ParticipantMetrics siteMetrics(int index) {
    return nodes.get(index).metrics();
  }

  AdminClient admin() {
    return admin;
  }

  /** The federation's auditor, who may only read (the round logs). */
  AuditClient auditor() {
    return auditor;
  }

  private void closeQuietly() {
    try {
      close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (processes != null) {
      processes.close();
    }
    nodes.forEach(ParticipantNode::stop);
    for (ParticipantNode node : nodes) {
      node.close();
    }
    adminChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    auditorChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    coordinator.stop();
    if (metrics != null) {
      metrics.close();
    }
  }
}
