package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.admin.AuditClient;
import io.factoryfl.coordinator.testing.PostgresServer;
import io.factoryfl.coordinator.testing.PostgresServerExtension;
import io.factoryfl.core.ledger.LedgerVerifier;
import io.factoryfl.core.ledger.Verification;
import io.factoryfl.core.security.Pem;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.JobStatus;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two coordinator processes on one PostgreSQL database: the first takes the lease and serves, the
 * second waits as a standby. The sites know both addresses. The active coordinator is killed with
 * SIGKILL in the middle of a job; the standby takes over when the lease lapses, resumes the job from
 * its last committed round, the sites fail over to it, and the job finishes there. The two share no
 * disk: the database holds the jobs, models and round logs. The takeover time
 * (kill to the standby holding the lease) is printed and written to target/failover-takeover.txt.
 */
@ExtendWith(PostgresServerExtension.class)
class CoordinatorFailoverEndToEndTest {
  private static final int SITES = 3;
  private static final int ROUNDS = 6;

  @TempDir
  Path dir;

  @Test
  void theStandbyTakesOverAKilledCoordinator_andTheJobFinishesThere(PostgresServer postgres) throws Exception {
    DiskFederation.init(dir);
    String store = postgres.createDatabase();
    int activePort = CoordinatorProcess.freePort();
    int standbyPort = CoordinatorProcess.freePort();
    // no shared disk: each coordinator has a data directory of its own, and the database holds the
    // jobs, the models and the round logs
    List<ParticipantNode> nodes = new ArrayList<>();
    try (CoordinatorProcess active = new CoordinatorProcess(activePort, dir.resolve("active.log"),
        arguments(store, dir.resolve("active-data")));
        CoordinatorProcess standby = new CoordinatorProcess(standbyPort, dir.resolve("standby.log"),
            arguments(store, dir.resolve("standby-data")))) {
      active.start();
      active.awaitOutput("holding the coordinator lease", 30);
      standby.launch();
      standby.awaitOutput("standby: another coordinator holds the lease", 60);
      nodes.addAll(DiskFederation.startSites(dir, "localhost:" + activePort + ",localhost:" + standbyPort, SITES,
          Map.of()));
      String job;
      ManagedChannel first = AdminClient.openChannel("localhost:" + activePort, DiskFederation.engineer(dir));
      try {
        AdminClient admin = new AdminClient(first);
        admin.awaitParticipants(SITES, Duration.ofSeconds(60));
        job = admin.submit(DiskFederation.spec("failover", false, ROUNDS, SITES)).getJobId();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (admin.status(job).getCompletedRounds() < 2 && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertTrue(admin.status(job).getCompletedRounds() >= 2, "the job never committed round 2");
      } finally {
        first.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      long killed = System.nanoTime();
      active.kill();
      long tookOver = standby.awaitOutput("holding the coordinator lease", 60);
      double takeover = (tookOver - killed) / 1e9;
      System.out.printf("failover: the standby held the lease %.2f s after the active coordinator was killed%n",
          takeover);
      Files.writeString(Path.of("target", "failover-takeover.txt"),
          String.format(java.util.Locale.ROOT, "%.3f s%n", takeover), java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      assertTrue(takeover < 15, "takeover took " + takeover + " s, more than 15 s");
      ManagedChannel second = AdminClient.openChannel("localhost:" + standbyPort, DiskFederation.engineer(dir));
      try {
        AdminClient admin = new AdminClient(second);
        JobStatus status = DiskFederation.awaitEnd(admin, job, () -> standby.outputTail());
        assertEquals(JobState.JOB_STATE_SUCCEEDED, status.getState(), status.getMessage() + "\n" + standby.outputTail());
        assertEquals(ROUNDS, status.getCompletedRounds());
        assertEquals(status.getResultModelHash(), admin.downloadModel(job).hash());
        new AuditClient(second).downloadLedger(job, dir.resolve("audit/" + job + ".jsonl"));
      } finally {
        second.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      for (ParticipantNode node : nodes) {
        node.close();
      }
      Verification verification = LedgerVerifier.verify(dir.resolve("audit/" + job + ".jsonl"),
          Pem.readCertificates(dir.resolve("ca/ca.pem")).get(0), dir.resolve("sites"), Clock.systemUTC());
      assertTrue(verification.ok(), verification.problem());
      assertEquals(1, verification.interruptions().size(), verification.interruptions().toString());
      for (String data : List.of("active-data", "standby-data")) {
        assertFalse(Files.exists(dir.resolve(data).resolve("ledgers")), data + " holds round logs");
        assertFalse(Files.exists(dir.resolve(data).resolve("models")), data + " holds models");
      }
    }
  }

  private List<String> arguments(String store, Path data) {
    List<String> arguments = new ArrayList<>(DiskFederation.coordinatorIdentity(dir));
    arguments.addAll(List.of("--data", data.toString(), "--store", store));
    return arguments;
  }
}
