package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.core.ledger.LedgerVerifier;
import io.factoryfl.core.ledger.Verification;
import io.factoryfl.core.security.Pem;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.JobStatus;
import io.factoryfl.simulation.StageHoldInterceptor.Step;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator killed with SIGKILL in the middle of a job, and started again on the same data
 * directory: a real coordinator process (mutual TLS on loopback), real participant nodes that
 * dial out and reconnect by themselves, real training. One site's channel holds back its message
 * of a chosen step of round 2 ({@link StageHoldInterceptor}), so the kill lands inside that step:
 * a plain round's upload, and the secure-aggregation stages before any masked input leaves a site
 * (advertise keys, share keys). After each restart the job completes all its rounds, every earlier
 * job is listed with its model, and every round log verifies with the interruption recorded.
 */
class CoordinatorCrashEndToEndTest {
  private static final int SITES = 4;
  private static final int ROUNDS = 3;

  @TempDir
  Path dir;

  @Test
  void aKilledCoordinator_resumesItsJobs_andLosesNone() throws Exception {
    Path ca = DiskFederation.init(dir);
    int port = CoordinatorProcess.freePort();
    Path data = dir.resolve("coordinator-data");
    StageHoldInterceptor hold = new StageHoldInterceptor();
    List<ParticipantNode> nodes = new ArrayList<>();
    Map<String, Step> jobs = new LinkedHashMap<>();
    List<String> arguments = new ArrayList<>(DiskFederation.coordinatorIdentity(dir));
    arguments.addAll(List.of("--data", data.toString()));
    try (CoordinatorProcess coordinator = new CoordinatorProcess(port, dir.resolve("coordinator.log"), arguments)) {
      coordinator.start();
      String target = "localhost:" + port;
      nodes.addAll(DiskFederation.startSites(dir, target, SITES, Map.of(0, hold)));
      ManagedChannel channel = AdminClient.openChannel(target, DiskFederation.engineer(dir));
      try {
        AdminClient admin = new AdminClient(channel);
        admin.awaitParticipants(SITES, Duration.ofSeconds(60));
        String first = admin.submit(DiskFederation.spec("before-the-crashes", false, ROUNDS, SITES)).getJobId();
        DiskFederation.awaitEnd(admin, first, () -> output(coordinator));
        jobs.put(first, null);
        for (Step step : List.of(Step.PLAIN_UPDATE, Step.ADVERTISE_KEYS, Step.SHARE_KEYS)) {
          boolean secure = step != Step.PLAIN_UPDATE;
          String job = admin.submit(DiskFederation.spec("killed-at-" + step.name().toLowerCase(), secure, ROUNDS,
              SITES)).getJobId();
          hold.arm(step, job, 2);
          assertTrue(hold.awaitHolding(120), "the site never reached " + step + " of round 2 in job " + job);
          coordinator.kill();
          hold.release();
          coordinator.start();
          JobStatus resumed = DiskFederation.awaitEnd(admin, job, () -> output(coordinator));
          assertEquals(JobState.JOB_STATE_SUCCEEDED, resumed.getState(), job + " after a kill at " + step + ": "
              + resumed.getMessage() + "\n" + output(coordinator));
          assertEquals(ROUNDS, resumed.getCompletedRounds());
          jobs.put(job, step);
        }
        List<JobStatus> listed = admin.list();
        assertEquals(List.copyOf(jobs.keySet()), listed.stream().map(JobStatus::getJobId).toList(),
            "every job is listed after the restarts, in submission order");
        for (JobStatus status : listed) {
          assertEquals(JobState.JOB_STATE_SUCCEEDED, status.getState(), status.getJobId());
          AdminClient.DownloadedModel model = admin.downloadModel(status.getJobId());
          assertEquals(status.getResultModelHash(), model.hash(), "the model of " + status.getJobId()
              + " downloads after the restarts");
        }
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      for (ParticipantNode node : nodes) {
        node.close();
      }
      coordinator.close();
      java.security.cert.X509Certificate caCertificate = Pem.readCertificates(ca.resolve("ca.pem")).get(0);
      for (Map.Entry<String, Step> job : jobs.entrySet()) {
        Path ledger = data.resolve("ledgers").resolve(job.getKey() + ".jsonl");
        Verification verification = LedgerVerifier.verify(ledger, caCertificate, dir.resolve("sites"),
            Clock.systemUTC());
        assertTrue(verification.ok(), ledger + ": " + verification.problem());
        if (job.getValue() == null) {
          assertTrue(verification.interruptions().isEmpty(), verification.interruptions().toString());
        } else {
          assertEquals(1, verification.interruptions().size(), job + ": " + verification.interruptions());
          assertTrue(verification.interruptions().get(0).contains("interrupted in round 2 (attempt 1 of round 2 was"
              + " in progress and is abandoned), resumed from round 1"), verification.interruptions().get(0));
          assertTrue(verification.receipts() > 0, job + ": the sites' receipts were checked");
        }
      }
    }
  }

  private static String output(CoordinatorProcess coordinator) {
    try {
      String text = coordinator.output();
      return "coordinator output (end):\n" + text.substring(Math.max(0, text.length() - 6000));
    } catch (java.io.IOException e) {
      return "(coordinator output unreadable: " + e.getMessage() + ")";
    }
  }
}
