package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.admin.EventFormat;
import io.factoryfl.coordinator.cli.CaCommand;
import io.factoryfl.coordinator.enrol.EnrolmentService;
import io.factoryfl.coordinator.enrol.RelayedRevocations;
import io.factoryfl.coordinator.server.AuthenticationInterceptor;
import io.factoryfl.coordinator.server.CaServer;
import io.factoryfl.coordinator.server.CoordinatorLimits;
import io.factoryfl.coordinator.server.CoordinatorServer;
import io.factoryfl.coordinator.server.ServerTls;
import io.factoryfl.core.security.Pem;
import io.factoryfl.core.security.SignedRevocationList;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.participant.enrol.EnrolCommand;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.RoundEvent;
import io.grpc.ManagedChannel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production layout of docs/deployment.md, over real loopback mutual TLS: the CA operator's
 * commands make the CA, the CA service runs on its own with the CA key, plants enrol through it
 * with 'participant enroll --ca-service', and the coordinator, which holds no CA key, fetches
 * the signed revocation list from the CA service, relays it to the sites, and runs a secure
 * round with them.
 */
class CaServiceEndToEndTest {
  private static final int SITES = 4;

  @TempDir Path dir;
  private final SecureRandom random = new SecureRandom();
  private final Clock clock = Clock.systemUTC();
  private CaServer caService;
  private CoordinatorServer coordinator;
  private PlantSites plants;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    if (plants != null) {
      plants.close();
    }
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (coordinator != null) {
      coordinator.stop();
    }
    if (caService != null) {
      caService.stop();
    }
  }

  private String ca(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = CaCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, code, "ca " + String.join(" ", args) + ": " + err);
    return out.toString(StandardCharsets.UTF_8).strip();
  }

  @Test
  void sitesEnrolledThroughTheCaService_runASecureRoundWithACoordinatorThatHasNoCaKey()
      throws Exception {
    Path caDir = dir.resolve("ca");
    ca("init", "--dir", caDir.toString(), "--name", "acme");
    ca("issue", "--dir", caDir.toString(), "--name", "ca-service", "--role", "coordinator",
        "--dns", "localhost", "--out", dir.resolve("ca-service").toString());
    ca("issue", "--dir", caDir.toString(), "--name", "coordinator", "--role", "coordinator",
        "--dns", "localhost", "--out", dir.resolve("coordinator").toString());
    ca("issue", "--dir", caDir.toString(), "--name", "ml-engineer", "--role", "admin",
        "--out", dir.resolve("engineer").toString());
    caService = CaServer.assemble(ServerTls.serverBuilder(new InetSocketAddress("127.0.0.1", 0),
        TlsMaterial.load(dir.resolve("ca-service/ca-service.pem"),
            dir.resolve("ca-service/ca-service-key.pem"), caDir.resolve("ca.pem"))),
        caDir, clock, random).start();
    String caTarget = "localhost:" + caService.port();

    List<Path> sites = new ArrayList<>();
    for (int i = 1; i <= SITES; i++) {
      Path site = dir.resolve("sites/plant-" + i);
      String token = ca("token", "--dir", caDir.toString(), "--site", "plant-" + i, "--role",
          "participant");
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      assertEquals(0, EnrolCommand.enroll(new String[] {"--token", token, "--ca-service",
          caTarget, "--out", site.toString()}, new PrintStream(new ByteArrayOutputStream()),
          new PrintStream(err, true, StandardCharsets.UTF_8), random), err.toString());
      sites.add(site);
    }

    // the coordinator: its own certificate, the CA certificate, no CA key
    TlsMaterial coordinatorTls = TlsMaterial.load(dir.resolve("coordinator/coordinator.pem"),
        dir.resolve("coordinator/coordinator-key.pem"), caDir.resolve("ca.pem"));
    ManagedChannel toCaService = AdminClient.openChannel(caTarget, coordinatorTls);
    channels.add(toCaService);
    RelayedRevocations revocations = RelayedRevocations.fromCaService(toCaService, caTarget,
        coordinatorTls.trustedCertificates(), clock);
    revocations.refreshNow();
    coordinator = CoordinatorServer.assemble(
        ServerTls.serverBuilder(new InetSocketAddress("127.0.0.1", 0), coordinatorTls),
        dir.resolve("coordinator-data"), clock, Duration.ofSeconds(5),
        new AuthenticationInterceptor(revocations, clock),
        SigningIdentity.load(dir.resolve("coordinator/coordinator.pem"),
            dir.resolve("coordinator/coordinator-signing-key.pem")),
        EnrolmentService.withoutCa(), CoordinatorLimits.defaults(), revocations).start();
    String target = "localhost:" + coordinator.port();
    ManagedChannel engineer = AdminClient.openChannel(target, TlsMaterial.load(
        dir.resolve("engineer/ml-engineer.pem"), dir.resolve("engineer/ml-engineer-key.pem"),
        caDir.resolve("ca.pem")));
    channels.add(engineer);
    AdminClient admin = new AdminClient(engineer);
    plants = PlantSites.start(sites, target);
    admin.awaitParticipants(SITES, Duration.ofSeconds(60));

    String jobId = admin.submit(PlantSites.secureJob("behind-the-ca-service", SITES)).getJobId();
    RoundEvent end = admin.watch(jobId, Duration.ofSeconds(90), event -> { });

    assertNotNull(end, "the secure job did not end within 90 s");
    assertEquals(JobState.JOB_STATE_SUCCEEDED, end.getEnded().getState(), EventFormat.line(end));
    for (Path site : sites) {
      String pins = Files.readString(site.resolve("receipts.peer-pins.json"));
      for (int i = 1; i <= SITES; i++) {
        if (!site.endsWith("plant-" + i)) {
          assertTrue(pins.contains("\"plant-" + i + "\""), site + " pinned plant-" + i + ": "
              + pins);
        }
      }
    }
    // the coordinator cannot enrol anyone: it has no CA key and says where the CA service is
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String token = ca("token", "--dir", caDir.toString(), "--site", "plant-9", "--role",
        "participant");
    assertEquals(1, EnrolCommand.enroll(new String[] {"--token", token, "--coordinator", target,
        "--out", dir.resolve("sites/plant-9").toString()},
        new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8), random));
    assertTrue(err.toString().contains("answered UNAVAILABLE: this coordinator does not run the"
        + " CA"), err.toString());
    assertFalse(Files.exists(dir.resolve("coordinator-data").resolve("ca-key.pem")));

    // a revocation at the CA reaches the coordinator's copy, signed by the CA
    ca("revoke", "--dir", caDir.toString(), "plant-4");
    revocations.refreshNow();
    X509Certificate caCertificate = Pem.readCertificate(caDir.resolve("ca.pem"));
    assertTrue(SignedRevocationList.verify(revocations.signedList().orElseThrow(), caCertificate)
        .list().isRevoked("plant-4"));
    assertTrue(revocations.current().isRevoked("plant-4"));
  }
}
