package io.factoryfl.coordinator.cli;

import io.factoryfl.coordinator.enrol.EnrolmentService;
import io.factoryfl.coordinator.server.AuthenticationInterceptor;
import io.factoryfl.coordinator.server.CoordinatorLimits;
import io.factoryfl.coordinator.server.CoordinatorServer;
import io.factoryfl.coordinator.server.ServerTls;
import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.security.RevocationList;
import io.factoryfl.core.security.RevocationWatcher;
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

/** {@code factoryfl coordinator}: runs the coordinator until it is stopped. */
final class ServeCommand {
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
        --data DIR         where model versions and round logs (DIR/ledgers) are stored
                           (default ./coordinator-data)
        --heartbeat-grace-seconds N
                           a participant silent this long is dropped from its rounds (default 15)
        --ca-dir DIR       run the CA here: the CA directory from 'factoryfl ca init' (its ca.pem
                           must be the --ca). Sites enrol with tokens from 'factoryfl ca token'
                           and renew before expiry; 'factoryfl ca revoke' takes effect without a
                           restart. Failed token attempts are limited to 5 a minute per address
                           and per site name; every enrolment call is recorded in
                           DIR/enrolment-audit.jsonl. Without it, enrolment answers UNAVAILABLE
                           and no revocation list is checked.
        --max-model-parameters N
                           refuse jobs whose model has more parameters (default 100000000);
                           a model must also fit the coordinator's heap (-Xmx)
        --max-uploads-per-participant N
                           SubmitUpdate streams one participant may hold open at once (default 4)
        --max-upload-buffer-mib N
                           memory all updates in flight may buffer together (default: half the
                           heap); an upload beyond it is refused with RESOURCE_EXHAUSTED
      """;

  private ServeCommand() {}

  static int run(String[] args, PrintStream out) throws Exception {
    Set<String> valued = new HashSet<>(TlsFlags.NAMES);
    valued.addAll(Set.of("--port", "--bind", "--data", "--heartbeat-grace-seconds", "--signing-key",
        "--ca-dir", "--max-model-parameters", "--max-uploads-per-participant",
        "--max-upload-buffer-mib"));
    Flags flags = Flags.parse("coordinator", args, valued, Set.of());
    if (!flags.positional().isEmpty()) {
      throw new UsageException("coordinator", "unexpected argument '" + flags.positional().get(0) + "'");
    }
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
    AuthenticationInterceptor gate = new AuthenticationInterceptor();
    if (flags.has("--ca-dir")) {
      Path caDir = Path.of(flags.required("--ca-dir"));
      try {
        enrolment = EnrolmentService.open(caDir, clock, new SecureRandom());
        gate = new AuthenticationInterceptor(new RevocationWatcher(
            caDir.resolve(RevocationList.FILE), clock, RevocationWatcher.DEFAULT_RECHECK), clock);
      } catch (IOException e) {
        throw new UsageException("coordinator", "invalid --ca-dir '" + caDir + "': " + e.getMessage());
      }
      if (!tls.trustedCertificates().contains(enrolment.caCertificate().orElseThrow())) {
        throw new UsageException("coordinator", "invalid --ca-dir '" + caDir + "': its CA is not"
            + " among the CAs --ca trusts, so the certificates it issues could not connect");
      }
    }
    InetSocketAddress address = new InetSocketAddress(flags.get("--bind", "0.0.0.0"), port);
    CoordinatorServer server = CoordinatorServer.assemble(ServerTls.serverBuilder(address, tls),
        Path.of(flags.get("--data", "coordinator-data")), clock,
        Duration.ofSeconds(grace), gate, identity, enrolment, limits).start();
    out.println("coordinator listening on " + address.getHostString() + ":" + server.port()
        + " (TLS 1.3; " + enrolment.auditLog().map(log -> "enrolment open, audited in " + log)
            .orElse("no enrolment") + ")");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    server.blockUntilShutdown();
    return 0;
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
    long heapMib = defaults.memoryBytes() >> 20;
    int bufferMib = flags.intValue("--max-upload-buffer-mib",
        (int) Math.max(1, defaults.maxUploadBufferBytes() >> 20), 1, (int) Math.min(Integer.MAX_VALUE, heapMib));
    return new CoordinatorLimits(parameters, streams, (long) bufferMib << 20, defaults.memoryBytes());
  }
}
