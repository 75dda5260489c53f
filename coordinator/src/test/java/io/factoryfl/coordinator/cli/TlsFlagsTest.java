package io.factoryfl.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.server.AuthenticationInterceptor;
import io.factoryfl.coordinator.server.StubServices;
import io.factoryfl.coordinator.server.TlsLoopback;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.CertificateLog;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.Role;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job, audit and coordinator commands say what is wrong with a certificate, and why. */
class TlsFlagsTest {

  @TempDir Path tmp;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  /** A CA made ten days ago, to hand out certificates that have already expired. */
  private final CertificateAuthority pastCa = CertificateAuthority.create("acme",
      Clock.fixed(Instant.now().minus(Duration.ofDays(10)), ZoneOffset.UTC), Duration.ofDays(30),
      new SecureRandom());

  @Test
  void jobWithAnExpiredAdminCertificate_isRefusedBeforeDialling() throws Exception {
    IssuedIdentity alice = pastCa.issue("alice", Role.ADMIN, Duration.ofDays(1), List.of());
    Path dir = write(alice, "admin");

    int code = run("job", "list", "--coordinator", "localhost:1", "--cert",
        dir.resolve("admin.pem").toString(), "--key", dir.resolve("admin-key.pem").toString(),
        "--ca", dir.resolve("ca.pem").toString());

    assertEquals(1, code);
    assertTrue(err().startsWith("failed: --cert " + dir.resolve("admin.pem") + ": this node's"
        + " certificate 'alice' (admin, serial " + serial(alice) + ") expired at "
        + alice.certificate().getNotAfter().toInstant()), err());
    assertTrue(err().contains("('./factoryfl ca token --dir ca --site NAME --role admin')"),
        err());
  }

  @Test
  void coordinatorWithAnExpiredCertificate_refusesToStart() throws Exception {
    IssuedIdentity coordinator = pastCa.issue("coordinator", Role.COORDINATOR,
        Duration.ofDays(1), List.of("localhost"));
    Path dir = write(coordinator, "coordinator");

    int code = run("serve", "--cert", dir.resolve("coordinator.pem").toString(), "--key",
        dir.resolve("coordinator-key.pem").toString(), "--ca", dir.resolve("ca.pem").toString(),
        "--port", "0", "--data", tmp.resolve("data").toString());

    assertEquals(1, code);
    assertTrue(err().contains("this node's certificate 'coordinator' (coordinator, serial "
        + serial(coordinator) + ") expired at "), err());
    assertTrue(err().contains("issue the coordinator a new one ('./factoryfl ca issue --dir ca"
        + " --name NAME --role coordinator --dns HOST --out DIR')"), err());
  }

  @Test
  void jobAgainstACoordinatorOfAnotherFederation_namesBothCas() throws Exception {
    CertificateAuthority theirs = CertificateAuthority.create("elsewhere", Clock.systemUTC(),
        Duration.ofDays(30), new SecureRandom());
    Path dir = write(pastCa.issue("alice", Role.ADMIN, Duration.ofDays(20), List.of()),
        "admin");
    try (TlsLoopback coordinator = TlsLoopback.start(theirs, new AuthenticationInterceptor(),
        new StubServices.Admin())) {
      int code = run("job", "list", "--coordinator", "localhost:" + coordinator.port(), "--cert",
          dir.resolve("admin.pem").toString(), "--key", dir.resolve("admin-key.pem").toString(),
          "--ca", dir.resolve("ca.pem").toString());

      assertEquals(1, code);
      assertTrue(err().startsWith("cannot connect to the coordinator over TLS: the coordinator's"
          + " certificate 'coordinator' (coordinator, serial "), err());
      assertTrue(err().contains("was issued by CN=elsewhere CA,O=elsewhere, but the CA this node"
          + " trusts is CN=acme CA,O=acme"), err());
    }
  }

  @Test
  void jobAgainstNothing_saysNothingAcceptsConnections() throws Exception {
    Path dir = write(pastCa.issue("alice", Role.ADMIN, Duration.ofDays(20), List.of()),
        "admin");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }

    int code = run("job", "list", "--coordinator", "localhost:" + port, "--cert",
        dir.resolve("admin.pem").toString(), "--key", dir.resolve("admin-key.pem").toString(),
        "--ca", dir.resolve("ca.pem").toString());

    assertEquals(1, code);
    assertTrue(err().startsWith("cannot connect to the coordinator: nothing accepts connections"
        + " there"), err());
  }

  private Path write(IssuedIdentity identity, String base) throws Exception {
    Path dir = tmp.resolve(base);
    identity.writeTo(dir, base);
    return dir;
  }

  private int run(String... args) {
    return CoordinatorCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private static String serial(IssuedIdentity identity) {
    return CertificateLog.serialHex(identity.certificate().getSerialNumber());
  }
}
