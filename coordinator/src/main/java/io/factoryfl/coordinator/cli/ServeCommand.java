package io.factoryfl.coordinator.cli;

import io.factoryfl.coordinator.server.AuthenticationInterceptor;
import io.factoryfl.coordinator.server.CoordinatorServer;
import io.factoryfl.coordinator.server.ServerTls;
import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
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
      """;

  private ServeCommand() {}

  static int run(String[] args, PrintStream out) throws Exception {
    Set<String> valued = new HashSet<>(TlsFlags.NAMES);
    valued.addAll(Set.of("--port", "--bind", "--data", "--heartbeat-grace-seconds", "--signing-key"));
    Flags flags = Flags.parse("coordinator", args, valued, Set.of());
    if (!flags.positional().isEmpty()) {
      throw new UsageException("coordinator", "unexpected argument '" + flags.positional().get(0) + "'");
    }
    int port = flags.intValue("--port", 7443, 0, 65535);
    int grace = flags.intValue("--heartbeat-grace-seconds", 15, 1, 3600);
    TlsMaterial tls = TlsFlags.load(flags);
    String cert = flags.required("--cert");
    Path signingKey = Path.of(flags.get("--signing-key",
        (cert.endsWith(".pem") ? cert.substring(0, cert.length() - 4) : cert) + "-signing-key.pem"));
    if (!java.nio.file.Files.isReadable(signingKey)) {
      throw new UsageException("coordinator", "signing key " + signingKey + " does not exist or is not"
          + " readable; give --signing-key (the coordinator signs its round logs with it)");
    }
    SigningIdentity identity = SigningIdentity.load(Path.of(cert), signingKey);
    InetSocketAddress address = new InetSocketAddress(flags.get("--bind", "0.0.0.0"), port);
    CoordinatorServer server = CoordinatorServer.assemble(ServerTls.serverBuilder(address, tls),
        Path.of(flags.get("--data", "coordinator-data")), Clock.systemUTC(),
        Duration.ofSeconds(grace), new AuthenticationInterceptor(), identity).start();
    out.println("coordinator listening on " + address.getHostString() + ":" + server.port()
        + " (mutual TLS 1.3)");
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
}
