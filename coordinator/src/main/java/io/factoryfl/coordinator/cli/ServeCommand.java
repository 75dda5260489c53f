package io.factoryfl.coordinator.cli;

import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.enrol.EnrolmentService;
import io.factoryfl.coordinator.enrol.RelayedRevocations;
import io.factoryfl.coordinator.server.AuthenticationInterceptor;
import io.factoryfl.coordinator.server.CoordinatorLimits;
import io.factoryfl.coordinator.server.CoordinatorServer;
import io.factoryfl.coordinator.server.ServerTls;
import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.coordinator.metrics.CoordinatorMetrics;
import io.factoryfl.coordinator.store.CoordinatorLease;
import io.factoryfl.coordinator.store.CoordinatorStore;
import io.factoryfl.coordinator.store.LeaseSettings;
import io.factoryfl.coordinator.store.PostgresStore;
import io.factoryfl.coordinator.store.StoreException;
import io.factoryfl.core.ops.ObservabilityServer;
import io.factoryfl.core.ops.Readiness;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import io.factoryfl.core.ops.OpsFlags;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import io.grpc.ManagedChannel;

/** {@code factoryfl coordinator}: runs the coordinator until it is stopped. */
final class ServeCommand {
  /** The coordinator's default observability port (the participant's is 9465). */
  static final int METRICS_PORT = 9464;

  static final String HELP = """
      Usage: factoryfl coordinator --cert FILE --key FILE --ca FILE [options]
        Runs the coordinator: participants dial in over mutual TLS 1.3, ML engineers submit jobs.
        --cert FILE        the coordinator's certificate (from 'factoryfl ca issue --role coordinator')
        --key FILE         its private key
        --ca FILE          the federation CA certificate; only certificates it issued are accepted
        --port N           port to listen on (default 7443)
        --bind ADDRESS     address to listen on (default 0.0.0.0)
        --signing-key FILE the coordinator's Ed25519 signing key, which signs round logs and receipts
                           (default: the --cert path with .pem replaced by -signing-key.pem,
                           as 'factoryfl ca issue' writes it)
        --data DIR         without --store: where the jobs (DIR/coordinator.db), model versions
                           (DIR/models) and round logs (DIR/ledgers) are kept
                           (default ./coordinator-data)
        --store URL        keep the jobs, model versions and round logs in PostgreSQL:
                           postgresql://USER@HOST:PORT/DATABASE (password from
                           --store-password-file or PGPASSWORD, not the URL).
                           Several coordinators may share one database: one holds the lease and
                           serves, the others wait as standbys and take over within about 10 s
                           of its end (docs/durability.md)
        --store-password-file FILE
                           the PostgreSQL password, in a file readable by the coordinator only
        --heartbeat-grace-seconds N
                           a participant silent this long is dropped from its rounds (default 15)
        --ca-service H:P   the CA service ('factoryfl ca serve'), production: the coordinator
                           fetches the revocation list signed by the CA from it every minute
                           (with --cert), refuses revoked callers and relays the list to the
                           sites in every secure round. The coordinator holds no CA key.
        --revocation-list FILE
                           instead of --ca-service: a signed list from 'factoryfl ca
                           revocation-list', re-read every minute; the CA operator must write a
                           new one at least daily (sites refuse a list older than 24 h)
        --ca-dir DIR --dev-ca
                           DEVELOPMENT ONLY: run the CA inside the coordinator from the CA
                           directory made by 'factoryfl ca init' (its ca.pem must be the --ca).
                           The coordinator then holds the CA key and could mint certificates to
                           impersonate sites to each other; sites' key pinning is the only
                           defence left. --ca-dir is refused without --dev-ca.
                           Without any of these three, no revocation list is checked or relayed,
                           and sites refuse secure-aggregation rounds.
        --max-model-parameters N
                           refuse jobs whose model has more parameters (default 100000000);
                           a model must also fit the coordinator's heap (-Xmx)
        --max-uploads-per-participant N
                           SubmitUpdate streams one participant may hold open at once (default 4)
        --max-upload-buffer-mib N
                           bytes all updates in flight may spill together to files in the JVM's
                           temporary directory (java.io.tmpdir; default: half the heap); an
                           upload beyond it is refused with RESOURCE_EXHAUSTED
      """ + OpsFlags.help(METRICS_PORT, "0.0.0.0") + """
        The gRPC port also serves the standard grpc.health.v1 Health service (SERVING while
        the coordinator serves); see docs/operations.md, "Metrics and health".
      """;

  static final String DEV_CA_WARNING = """
      ************************************************************************************
      WARNING: DEVELOPMENT CA. This coordinator runs the federation CA from %s and holds
      its key: it could mint certificates for any site and impersonate sites to each other
      in secure aggregation. Sites' pinned identity keys are then the only defence. Never
      run it this way in production: run 'factoryfl ca serve' as a separate service and
      start the coordinator with --ca-service HOST:PORT (docs/deployment.md).
      ************************************************************************************""";

  private ServeCommand() {}

  static int run(String[] args, PrintStream out) throws Exception {
    Set<String> valued = new HashSet<>(TlsFlags.NAMES);
    valued.addAll(Set.of("--store", "--store-password-file", "--port", "--bind", "--data", "--heartbeat-grace-seconds", "--signing-key",
        "--ca-dir", "--ca-service", "--revocation-list", "--max-model-parameters",
        "--max-uploads-per-participant", "--max-upload-buffer-mib"));
    valued.addAll(OpsFlags.NAMES);
    Flags flags = Flags.parse("coordinator", args, valued, Set.of("--dev-ca"));
    if (!flags.positional().isEmpty()) {
      throw new UsageException("coordinator", "unexpected argument '" + flags.positional().get(0) + "'");
    }
    OpsFlags ops = OpsFlags.from(flags, METRICS_PORT, "0.0.0.0");
    ops.configureLogging();
    int port = flags.intValue("--port", 7443, 0, 65535);
    int grace = flags.intValue("--heartbeat-grace-seconds", 15, 1, 3600);
    CoordinatorLimits limits = limits(flags);
    TlsMaterial tls = TlsFlags.load(flags);
    String cert = flags.required("--cert");
    Path signingKey = Path.of(flags.get("--signing-key",
        (cert.endsWith(".pem") ? cert.substring(0, cert.length() - 4) : cert) + "-signing-key.pem"));
    if (!java.nio.file.Files.isReadable(signingKey)) {
      throw new UsageException("coordinator", "signing key " + signingKey + " does not exist or is not"
          + " readable; give --signing-key (the coordinator signs its round logs with it)");
    }
    SigningIdentity identity = SigningIdentity.load(Path.of(cert), signingKey);
    Clock clock = Clock.systemUTC();
    EnrolmentService enrolment = EnrolmentService.withoutCa();
    RelayedRevocations revocations = RelayedRevocations.none();
    ManagedChannel caService = null;
    long sources = Stream.of("--ca-dir", "--ca-service", "--revocation-list").filter(flags::has)
        .count();
    if (sources > 1) {
      throw new UsageException("coordinator", "give one of --ca-service, --revocation-list and"
          + " --ca-dir --dev-ca, not several: each is where the revocation list comes from");
    }
    if (flags.has("--dev-ca") && !flags.has("--ca-dir")) {
      throw new UsageException("coordinator", "--dev-ca needs --ca-dir DIR, the CA to run here");
    }
    if (flags.has("--ca-dir")) {
      Path caDir = Path.of(flags.required("--ca-dir"));
      if (!flags.has("--dev-ca")) {
        throw new UsageException("coordinator", "--ca-dir '" + caDir + "' runs the CA inside the"
            + " coordinator, which then holds the CA key and could mint certificates to"
            + " impersonate sites; that is for development only, so add --dev-ca to confirm it."
            + " In production run 'factoryfl ca serve --dir " + caDir + "' elsewhere and give"
            + " the coordinator --ca-service HOST:PORT (see docs/deployment.md)");
      }
      try {
        enrolment = EnrolmentService.open(caDir, clock, new SecureRandom());
      } catch (IOException e) {
        throw new UsageException("coordinator", "invalid --ca-dir '" + caDir + "': " + e.getMessage());
      }
      if (!tls.trustedCertificates().contains(enrolment.caCertificate().orElseThrow())) {
        throw new UsageException("coordinator", "invalid --ca-dir '" + caDir + "': its CA is not"
            + " among the CAs --ca trusts, so the certificates it issues could not connect");
      }
      revocations = RelayedRevocations.fromDevelopmentCa(enrolment, clock);
      out.println(DEV_CA_WARNING.formatted(caDir));
    } else if (flags.has("--ca-service")) {
      String target = flags.required("--ca-service");
      caService = AdminClient.openChannel(target, tls);
      revocations = RelayedRevocations.fromCaService(caService, target,
          tls.trustedCertificates(), clock);
    } else if (flags.has("--revocation-list")) {
      revocations = RelayedRevocations.fromFile(Path.of(flags.required("--revocation-list")),
          tls.trustedCertificates(), clock);
    } else {
      out.println("WARNING: no --ca-service, --revocation-list or --ca-dir --dev-ca: this"
          + " coordinator checks no revocation list and has none to relay, so sites refuse"
          + " secure-aggregation rounds");
    }
    try {
      revocations.refreshNow();
    } catch (IOException e) {
      if (caService != null) {
        caService.shutdownNow();
      }
      throw new UsageException("coordinator", "cannot get the signed revocation list: "
          + e.getMessage());
    }
    AuthenticationInterceptor gate = new AuthenticationInterceptor(revocations, clock);
    InetSocketAddress address = new InetSocketAddress(flags.get("--bind", "0.0.0.0"), port);
    Path data = Path.of(flags.get("--data", "coordinator-data"));
    CoordinatorStore store = openStore(flags, data);
    CoordinatorMetrics metrics = CoordinatorMetrics.fresh();
    AtomicReference<Readiness> readiness = new AtomicReference<>(
        () -> Optional.of("the coordinator has not started serving yet"));
    ObservabilityServer endpoint;
    try {
      endpoint = ops.startEndpoint(metrics.registry(), () -> readiness.get().notReadyBecause()).orElse(null);
    } catch (IOException e) {
      store.close();
      throw new UsageException("coordinator", e.getMessage());
    }
    if (store instanceof PostgresStore postgres) {
      awaitLease(postgres, identity.name(), readiness, out);
    }
    CoordinatorServer server = CoordinatorServer.assemble(ServerTls.serverBuilder(address, tls), data, clock,
        Duration.ofSeconds(grace), gate, identity, enrolment, limits, revocations, store, metrics).start();
    readiness.set(server.readiness());
    out.println("coordinator listening on " + address.getHostString() + ":" + server.port()
        + " (TLS 1.3; " + enrolment.auditLog().map(log -> "DEVELOPMENT CA: enrolment open,"
            + " audited in " + log).orElse("no CA key here") + "; revocation list: "
        + revocations.source() + ")"
        + (endpoint == null ? "" : "; metrics on http://" + ops.metricsAddress() + ":" + endpoint.port() + "/metrics"));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.stop();
        if (endpoint != null) {
          endpoint.close();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    server.blockUntilShutdown();
    return 0;
  }

  /** The store {@code --store} names, or the embedded one in {@code data}. */
  private static CoordinatorStore openStore(Flags flags, Path data) throws UsageException {
    try {
      String passwordFile = flags.get("--store-password-file", null);
      return CoordinatorStore.open(flags.get("--store", null), passwordFile == null ? null : Path.of(passwordFile),
          data);
    } catch (IllegalArgumentException | StoreException e) {
      throw new UsageException("coordinator", e.getMessage());
    }
  }

  /**
   * With PostgreSQL, waits as a standby until this coordinator holds the lease (not ready
   * meanwhile, saying who holds it), then serves. If the lease is ever lost (another coordinator
   * took over, or the database could not be reached for a whole lease term) the process ends at
   * once with status 3: the store refuses its writes anyway (fencing), and its supervisor restarts
   * it as a standby.
   */
  private static void awaitLease(PostgresStore store, String name, AtomicReference<Readiness> readiness,
      PrintStream out) throws InterruptedException {
    CoordinatorLease lease = store.lease(LeaseSettings.defaults(name + "@" + LeaseSettings.processHolder()));
    readiness.set(() -> Optional.of("standby: " + lease.current().map(holder -> "coordinator " + holder.holder()
        + " holds the lease until " + holder.expiresAt()).orElse("waiting for the lease") + "; this coordinator"
        + " takes over when it lapses"));
    if (!lease.tryAcquire()) {
      out.println("standby: another coordinator holds the lease in the " + store.description()
          + "; waiting to take over");
      lease.acquire();
    }
    out.println("holding the coordinator lease in the " + store.description() + " (fencing token "
        + lease.token().orElseThrow() + ")");
    lease.lost().thenAccept(loss -> {
      System.err.println("coordinator: lost the lease: " + loss.describe() + "; exiting (status 3) so that"
          + " only one coordinator writes; restart it to run as a standby");
      Runtime.getRuntime().halt(3);
    });
  }

  private static CoordinatorLimits limits(Flags flags) throws UsageException {
    CoordinatorLimits defaults = CoordinatorLimits.defaults();
    long parameters = flags.longValue("--max-model-parameters", defaults.maxModelParameters());
    if (parameters < 1) {
      throw new UsageException("coordinator", "--max-model-parameters was " + parameters
          + "; it must be at least 1");
    }
    int streams = flags.intValue("--max-uploads-per-participant",
        defaults.maxUploadStreamsPerParticipant(), 1, 1024);
    // updates in flight are spilled to disk (UpdateSpill), so the bound is not the heap's
    int bufferMib = flags.intValue("--max-upload-buffer-mib",
        (int) Math.max(1, defaults.maxUploadBufferBytes() >> 20), 1, 1 << 20);
    return new CoordinatorLimits(parameters, streams, (long) bufferMib << 20, defaults.memoryBytes());
  }
}
