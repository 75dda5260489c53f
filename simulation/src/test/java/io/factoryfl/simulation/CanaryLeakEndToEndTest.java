package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.factoryfl.core.ops.DefaultLogging;
import io.factoryfl.core.ops.LogFormat;
import io.factoryfl.core.ops.Logging;
import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.admin.EventFormat;
import io.factoryfl.coordinator.server.AuthenticationInterceptor;
import io.factoryfl.coordinator.server.CoordinatorServer;
import io.factoryfl.coordinator.server.ServerTls;
import io.factoryfl.core.ledger.AuditReport;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.participant.config.ParticipantConfig;
import io.factoryfl.participant.data.DatasetCatalogue;
import io.factoryfl.participant.policy.PolicyCheck;
import io.factoryfl.participant.policy.PolicyFile;
import io.factoryfl.participant.session.ChannelTls;
import io.factoryfl.participant.session.ParticipantAgent;
import io.factoryfl.participant.session.Site;
import io.factoryfl.proto.v1.JobStatus;
import io.factoryfl.proto.v1.RoundEvent;
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
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Nothing private leaves a plant. A real federation over loopback TLS whose sites' file paths,
 * column names and cell values carry unique canary strings; every site but two is broken in its
 * own way (a cell that is not a number, a label outside the classes, a missing column, a missing
 * file, a malformed CSV row, no evaluation split, a protected column, a model above its limit).
 * After the job, no canary may appear in anything on the coordinator's side: the round log and
 * every other file under its data directory (models included), the job's events as {@code job
 * watch} prints them, job status, the coordinator's log and the audit report. The same canaries
 * must appear in the sites' own log, which proves the detail exists and stayed where it belongs.
 */
class CanaryLeakEndToEndTest {
  private static final Duration GRACE = Duration.ofSeconds(5);
  private static final String PATH = "cnrypath" + Long.toHexString(new SecureRandom().nextLong());
  private static final String COLUMN = "cnrycol" + Long.toHexString(new SecureRandom().nextLong());
  private static final String CELL = "cnrycell" + Long.toHexString(new SecureRandom().nextLong());
  private static final String ROW = "cnryrow" + Long.toHexString(new SecureRandom().nextLong());
  private static final List<String> CANARIES = List.of(PATH, COLUMN, CELL, ROW);

  private static final String SPEC = """
      {"name": "canary-job", "model": {"template": "mlp", "hidden_layers": [4]},
       "dataset": {"name": "press", "numeric_features": ["temp", "load"],
                   "categorical_features": [{"column": "line", "categories": ["A", "B"]}],
                   "label": "fault", "label_classes": ["0", "1"]},
       "rounds": 2, "participants": {"min": 2, "max": 20},
       "training": {"local_epochs": 1, "batch_size": 16, "learning_rate": 0.05},
       "round_deadline_seconds": 30, "max_round_attempts": 2, "start_timeout_seconds": 60,
       "secure_aggregation": {"enabled": false}, "seed": 3}""";

  @TempDir Path dir;

  /** Every log event of the run, at INFO and above, java.util.logging's (gRPC's) included. */
  private final ListAppender<ILoggingEvent> capture = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final List<ParticipantAgent> agents = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private CoordinatorServer coordinator;

  @AfterEach
  void stop() throws InterruptedException {
    root.detachAppender(capture);
    new DefaultLogging().configure(root.getLoggerContext());
    agents.forEach(ParticipantAgent::stop);
    channels.forEach(ManagedChannel::shutdownNow);
    if (coordinator != null) {
      coordinator.stop();
    }
  }

  @Test
  void everyKindOfSiteFailure_leavesNoCanaryInAnyCoordinatorArtifact() throws Exception {
    // as the mains do (java.util.logging routed into SLF4J), then every event at INFO and above
    Logging.configure(LogFormat.TEXT, "info");
    root.setLevel(Level.INFO);
    capture.start();
    root.addAppender(capture);
    Clock clock = Clock.systemUTC();
    CertificateAuthority ca = CertificateAuthority.create("canary", clock, Duration.ofDays(2),
        new SecureRandom());
    IssuedIdentity coordinatorId = ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1),
        List.of("localhost"));
    Path data = dir.resolve("coordinator-data");
    coordinator = CoordinatorServer.assemble(
        ServerTls.serverBuilder(new InetSocketAddress("127.0.0.1", 0), TlsMaterial.of(coordinatorId)),
        data, clock, GRACE, new AuthenticationInterceptor(), SigningIdentity.of(coordinatorId)).start();
    String target = "localhost:" + coordinator.port();

    String header = "temp_" + COLUMN + ",load_" + COLUMN + ",line_" + COLUMN + ",fault_" + COLUMN
        + ",operator_" + COLUMN;
    String mapping = """
        {"temp": "temp_%1$s", "load": "load_%1$s", "line": "line_%1$s", "fault": "fault_%1$s"}"""
        .formatted(COLUMN);
    String good = rows(header, 160, null);
    site(ca, target, "plant-good-1", good, good, mapping, null);
    site(ca, target, "plant-good-2", good, good, mapping, null);
    // DATA_INVALID: a cell that is not a number (feature statistics, training and evaluation).
    String badCell = rows(header, 40, null).replaceFirst("\n[^,\n]*,", "\n" + CELL + ",");
    site(ca, target, "plant-bad-cell", badCell, badCell, mapping, null);
    // DATA_INVALID: a label outside the job's classes (training and evaluation).
    String badLabel = rows(header, 40, CELL + "-label");
    site(ca, target, "plant-bad-label", badLabel, badLabel, mapping, null);
    // DATA_INVALID: the mapping points at a local column the table does not have.
    site(ca, target, "plant-missing-column", good, good,
        mapping.replace("temp_" + COLUMN, "absent_" + COLUMN), null);
    // DATA_INVALID: a malformed CSV whose bad line is a whole raw row.
    site(ca, target, "plant-bad-row", good + ROW + ",1,2,3,4,5,6,7\n", good, mapping, null);
    // DATA_UNAVAILABLE: the training file disappears after start; no evaluation split elsewhere.
    Path vanishing = site(ca, target, "plant-missing-file", good, good, mapping, null);
    site(ca, target, "plant-no-eval", good, null, mapping, null);
    // POLICY: a protected column, and a model above the site's limit.
    site(ca, target, "plant-protected", good, good, mapping,
        "{\"secure_aggregation\": {\"required\": false}, \"protected_columns\": [\"load_" + COLUMN + "\"]}");
    site(ca, target, "plant-small-models", good, good, mapping,
        "{\"secure_aggregation\": {\"required\": false}, \"models\": {\"max_parameters\": 5}}");
    Files.delete(vanishing);

    ManagedChannel adminChannel = AdminClient.openChannel(target,
        TlsMaterial.of(ca.issue("engineer", Role.ADMIN, Duration.ofDays(1), List.of())));
    channels.add(adminChannel);
    AdminClient admin = new AdminClient(adminChannel);
    admin.awaitParticipants(agents.size(), Duration.ofSeconds(60));
    JobStatus submitted = admin.submit(SPEC);
    List<RoundEvent> events = new ArrayList<>();
    RoundEvent ended = admin.watch(submitted.getJobId(), Duration.ofMinutes(3), events::add);
    assertTrue(ended != null && ended.getEnded().getState().name().endsWith("SUCCEEDED"),
        "the two good plants carry the job: " + events.stream().map(EventFormat::line).toList());

    Set<String> codes = new TreeSet<>();
    StringBuilder watched = new StringBuilder();
    for (RoundEvent event : events) {
      watched.append(EventFormat.line(event)).append('\n').append(event).append('\n');
      if (event.hasRefused()) {
        codes.add(event.getRefused().getReason().replaceAll("^\\[([a-z_]+)].*", "$1"));
      }
    }
    assertEquals(Set.of("data_invalid", "data_unavailable", "policy"), codes,
        "every kind of refusal an honest coordinator can provoke was provoked:\n" + watched);

    Path ledger = data.resolve("ledgers").resolve(submitted.getJobId() + ".jsonl");
    Path report = dir.resolve("report.html");
    AuditReport.write(ledger, report);
    StringBuilder artifacts = new StringBuilder();
    try (Stream<Path> files = Files.walk(data)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        artifacts.append(file).append('\n')
            .append(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).append('\n');
      }
    }
    String status = admin.status(submitted.getJobId()) + "\n" + admin.list();
    assertNoCanary("coordinator data directory (round log, signed head, models)", artifacts.toString());
    assertNoCanary("job watch output and raw events", watched.toString());
    assertNoCanary("job status and job list", status);
    assertNoCanary("audit report", Files.readString(report));
    assertNoCanary("coordinator log", render(event -> !event.getLoggerName().startsWith("io.factoryfl.participant")));

    String local = render(event -> event.getLoggerName().startsWith("io.factoryfl.participant"));
    for (String canary : List.of(PATH, COLUMN, CELL)) {
      assertTrue(local.contains(canary), "the site's own log keeps the detail (" + canary + ")");
    }
  }

  private static void assertNoCanary(String artifact, String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    for (String canary : CANARIES) {
      int at = lower.indexOf(canary);
      assertTrue(at < 0, () -> "canary '" + canary + "' leaked into the " + artifact + ": ..."
          + text.substring(Math.max(0, at - 200), Math.min(text.length(), at + 100)) + "...");
    }
  }

  private String render(java.util.function.Predicate<ILoggingEvent> which) {
    StringBuilder out = new StringBuilder();
    synchronized (capture) {
      for (ILoggingEvent event : capture.list) {
        if (which.test(event)) {
          out.append(event.getLevel()).append(' ').append(event.getLoggerName()).append(" - ")
              .append(event.getFormattedMessage()).append('\n');
          if (event.getThrowableProxy() != null) {
            out.append(ThrowableProxyUtil.asString(event.getThrowableProxy())).append('\n');
          }
        }
      }
    }
    return out.toString();
  }

  /** A learnable table: fault = 1 when temp + load is large; every row names its line. */
  private static String rows(String header, int count, String label) {
    SplittableRandom random = new SplittableRandom(count);
    StringBuilder csv = new StringBuilder(header).append('\n');
    for (int i = 0; i < count; i++) {
      double temp = random.nextGaussian();
      double load = random.nextGaussian();
      String fault = label != null && i == count / 2 ? label : (temp + load > 0.8 ? "1" : "0");
      csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%s,%s,op-%d%n", temp, load,
          i % 2 == 0 ? "A" : "B", fault, i));
    }
    return csv.toString();
  }

  /** Writes a site directory whose path carries the path canary, and starts its participant. */
  private Path site(CertificateAuthority ca, String target, String name, String train, String eval,
      String columns, String policy) throws IOException {
    Path site = dir.resolve("sites").resolve(name + "-" + PATH);
    ca.issue(name, Role.PARTICIPANT, Duration.ofDays(1), List.of()).writeTo(site, "site");
    Path trainFile = site.resolve("data-" + PATH).resolve("train-" + PATH + ".csv");
    Files.createDirectories(trainFile.getParent());
    Files.writeString(trainFile, train);
    String evalEntry = "";
    if (eval != null) {
      Files.writeString(site.resolve("data-" + PATH).resolve("eval-" + PATH + ".csv"), eval);
      evalEntry = ", \"eval_path\": \"data-" + PATH + "/eval-" + PATH + ".csv\"";
    }
    Files.writeString(site.resolve("policy-" + PATH + ".json"), policy != null ? policy
        : "{\"secure_aggregation\": {\"required\": false}}");
    Files.writeString(site.resolve("site.json"), """
        {"coordinator": "%s",
         "tls": {"certificate": "site.pem", "private_key": "site-key.pem", "ca": "ca.pem"},
         "datasets": {"press": {"path": "data-%s/train-%s.csv"%s, "columns": %s}},
         "poll_wait_seconds": 5, "receipts": "receipts-%s.jsonl", "policy": "policy-%s.json"}
        """.formatted(target, PATH, PATH, evalEntry, columns, PATH, PATH));
    ParticipantConfig config = ParticipantConfig.load(site.resolve("site.json"));
    TlsMaterial tls = TlsMaterial.load(config.certificate(), config.privateKey(), config.ca());
    ManagedChannel channel = ChannelTls.open(config.coordinator(), tls);
    channels.add(channel);
    PolicyCheck policyCheck = PolicyCheck.enforcing(PolicyFile.load(config.policy()), Clock.systemUTC());
    ParticipantAgent agent = new ParticipantAgent(new Site(name, new DatasetCatalogue(config.datasets()),
        null, tls.trustedCertificates().get(0), policyCheck, config.receipts()), channel,
        config.pollWait(), new SplittableRandom(name.hashCode()));
    Thread thread = new Thread(agent, "participant-" + name);
    thread.setDaemon(true);
    thread.start();
    agents.add(agent);
    return trainFile;
  }
}
