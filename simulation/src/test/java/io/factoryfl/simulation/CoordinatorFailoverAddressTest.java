package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.server.AuthenticationInterceptor;
import io.factoryfl.coordinator.server.CoordinatorServer;
import io.factoryfl.coordinator.server.ServerTls;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.participant.config.ParticipantConfig;
import io.factoryfl.proto.v1.ParticipantStatus;
import io.grpc.ManagedChannel;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site configured with several coordinator addresses (an active coordinator and its standbys)
 * reaches the one that serves: the first address has nothing listening, the second a real
 * coordinator over mutual TLS; the node registers there.
 */
class CoordinatorFailoverAddressTest {
  @TempDir
  Path dir;

  @Test
  void aSiteWithTwoAddresses_registersWithTheOneThatServes() throws Exception {
    Clock clock = Clock.systemUTC();
    CertificateAuthority ca = CertificateAuthority.create("failover-ca", clock, Duration.ofDays(2),
        new SecureRandom());
    IssuedIdentity coordinatorIdentity = ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1),
        List.of("localhost"));
    CoordinatorServer coordinator = CoordinatorServer.assemble(ServerTls.serverBuilder(
            new InetSocketAddress("127.0.0.1", 0), TlsMaterial.of(coordinatorIdentity)), dir.resolve("data"), clock,
        Duration.ofSeconds(5), new AuthenticationInterceptor(), SigningIdentity.of(coordinatorIdentity)).start();
    int dead = CoordinatorProcess.freePort();
    Path site = dir.resolve("plant-a");
    ca.issue("plant-a", Role.PARTICIPANT, Duration.ofDays(1), List.of()).writeTo(site, "site");
    Files.createDirectories(site.resolve("data"));
    Files.writeString(site.resolve("data/train.csv"), "x,y\n1,0\n");
    Files.writeString(site.resolve("site.json"), LoopbackFederation.siteConfig(
        "localhost:" + dead + ",localhost:" + coordinator.port(), "ai4i", "plant-a", false)
        .replace("../../receipts/plant-a.jsonl", "receipts.jsonl").replace(", \"eval_path\": \"data/eval.csv\"", ""));
    IssuedIdentity engineer = ca.issue("engineer", Role.ADMIN, Duration.ofDays(1), List.of());
    ManagedChannel admin = AdminClient.openChannel("localhost:" + coordinator.port(), TlsMaterial.of(engineer));
    try (ParticipantNode node = ParticipantNode.start(ParticipantConfig.load(site.resolve("site.json")),
        new SplittableRandom(1), List.of())) {
      List<ParticipantStatus> registered = new AdminClient(admin).awaitParticipants(1, Duration.ofSeconds(60));
      assertEquals("plant-a", registered.get(0).getParticipantId());
    } finally {
      admin.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      coordinator.stop();
    }
  }
}
