package io.factoryfl.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.Role;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The coordinator refuses to hold the CA key unless the operator says it is development. */
class ServeCommandTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  @BeforeEach
  void caAndCoordinatorCertificate() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("federation", Clock.systemUTC(),
        Duration.ofDays(30), new SecureRandom());
    ca.save(dir.resolve("ca"));
    ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1), List.of("localhost"))
        .writeTo(dir.resolve("tls"), "coordinator");
  }

  private String[] args(String... more) {
    List<String> all = new java.util.ArrayList<>(List.of("--cert",
        dir.resolve("tls/coordinator.pem").toString(), "--key",
        dir.resolve("tls/coordinator-key.pem").toString(), "--ca",
        dir.resolve("ca/ca.pem").toString(), "--port", "0", "--data",
        dir.resolve("data").toString()));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  @Test
  void caDirWithoutDevCa_isRefusedPointingAtTheCaService() {
    UsageException e = assertThrows(UsageException.class, () -> ServeCommand.run(
        args("--ca-dir", dir.resolve("ca").toString()), new PrintStream(out)));

    assertTrue(e.getMessage().startsWith("--ca-dir '" + dir.resolve("ca") + "' runs the CA"
        + " inside the coordinator, which then holds the CA key"), e.getMessage());
    assertTrue(e.getMessage().contains("add --dev-ca to confirm it. In production run"
        + " 'factoryfl ca serve --dir " + dir.resolve("ca") + "' elsewhere and give the"
        + " coordinator --ca-service HOST:PORT"), e.getMessage());
  }

  @Test
  void twoRevocationSources_areRefused() {
    UsageException e = assertThrows(UsageException.class, () -> ServeCommand.run(
        args("--ca-service", "localhost:1", "--revocation-list", "x.json"), new PrintStream(out)));

    assertTrue(e.getMessage().startsWith("give one of --ca-service, --revocation-list and"
        + " --ca-dir --dev-ca, not several"), e.getMessage());
  }

  @Test
  void anUnreachableCaService_stopsTheStartSayingWhy() {
    UsageException e = assertThrows(UsageException.class, () -> ServeCommand.run(
        args("--ca-service", "localhost:1"), new PrintStream(out)));

    assertTrue(e.getMessage().startsWith("cannot get the signed revocation list: the CA service"
        + " at localhost:1 answered UNAVAILABLE"), e.getMessage());
  }
}
