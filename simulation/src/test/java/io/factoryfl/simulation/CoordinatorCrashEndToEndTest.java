package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.admin.AuditClient;
import io.factoryfl.core.ledger.LedgerVerifier;
import io.factoryfl.core.ledger.Verification;
import io.factoryfl.core.security.Pem;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.JobStatus;
import io.factoryfl.simulation.StageHoldInterceptor.Step;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * of a chosen step of round 2, or of round 0's statistics session ({@link StageHoldInterceptor}), so
 * the kill lands inside that step:
 * a plain round's upload and every secure-aggregation stage. Before any masked input leaves a site
 * (advertise keys, share keys) the round runs again under a new attempt with fresh keys; from the
 * masked input on (masked input, consistency check, unmask) the restarted coordinator carries the
 * same session on from its store, and the sites answer its repeated tasks with their earlier
 * answers. After each restart the job completes all its rounds, every earlier job is listed with
 * its model, and every round log verifies with the interruption (and the continuation) recorded.
 */
class CoordinatorCrashEndToEndTest {
  private static final int SITES = 4;
  private static final int ROUNDS = 3;

  @TempDir
  Path dir;

  /** Every step of a round the coordinator is killed in, in the embedded store's run. */
  static final List<Kill> EVERY_STEP = List.of(new Kill(Step.PLAIN_UPDATE, 2), new Kill(Step.ADVERTISE_KEYS, 2),
      new Kill(Step.SHARE_KEYS, 2), new Kill(Step.MASKED_INPUT, 2), new Kill(Step.CONSISTENCY_CHECK, 2),
      new Kill(Step.UNMASK, 2), new Kill(Step.MASKED_INPUT, 0));

  @Test
  void aKilledCoordinator_resumesItsJobs_andLosesNone() throws Exception {
    killAndResume(dir, List.of(), EVERY_STEP);
  }

  /**
   * Runs a job to its end, then one job per kill: kills the coordinator (SIGKILL) while a site holds
   * its message of the kill's step, starts it again on the same store and data directory, and
   * checks the job completes; then that every job is listed and downloads, and every round log
   * verifies with its interruption recorded as the kill's step says.
   *
   * @param store extra {@code serve} options choosing the store ({@code --store URL}), or none for
   *     the embedded store of the data directory
   */
  static void killAndResume(Path dir, List<String> store, List<Kill> kills) throws Exception {
    Path ca = DiskFederation.init(dir);
    int port = CoordinatorProcess.freePort();
    Path data = dir.resolve("coordinator-data");
    StageHoldInterceptor hold = new StageHoldInterceptor();
    List<ParticipantNode> nodes = new ArrayList<>();
    Map<String, Kill> jobs = new LinkedHashMap<>();
    List<String> arguments = new ArrayList<>(DiskFederation.coordinatorIdentity(dir));
    arguments.addAll(List.of("--data", data.toString()));
    arguments.addAll(store);
    try (CoordinatorProcess coordinator = new CoordinatorProcess(port, dir.resolve("coordinator.log"), arguments)) {
      coordinator.start();
      String target = "localhost:" + port;
      nodes.addAll(DiskFederation.startSites(dir, target, SITES, Map.of(0, hold)));
      ManagedChannel channel = AdminClient.openChannel(target, DiskFederation.engineer(dir));
      try {
        AdminClient admin = new AdminClient(channel);
        admin.awaitParticipants(SITES, Duration.ofSeconds(60));
        String first = admin.submit(DiskFederation.spec("before-the-crashes", false, ROUNDS, SITES)).getJobId();
        DiskFederation.awaitEnd(admin, first, () -> coordinator.outputTail());
        jobs.put(first, null);
        for (Kill kill : kills) {
          Step step = kill.step();
          boolean secure = step != Step.PLAIN_UPDATE;
          // the held site reconnects last (its backoff grew while the coordinator was down): a job
          // submitted before it is back would draw its cohort without it and never reach the hold
          admin.awaitParticipants(SITES, Duration.ofSeconds(90));
          String job = admin.submit(DiskFederation.spec("killed-at-" + step.name().toLowerCase() + "-r"
              + kill.round(), secure, ROUNDS, SITES)).getJobId();
          hold.arm(step, job, kill.round());
          assertTrue(hold.awaitHolding(120), "the site never reached " + kill + " in job " + job);
          coordinator.kill();
          hold.release();
          coordinator.start();
          JobStatus resumed = DiskFederation.awaitEnd(admin, job, () -> coordinator.outputTail());
          assertEquals(JobState.JOB_STATE_SUCCEEDED, resumed.getState(), job + " after a kill at " + step + ": "
              + resumed.getMessage() + "\n" + coordinator.outputTail());
          assertEquals(ROUNDS, resumed.getCompletedRounds());
          jobs.put(job, kill);
        }
        List<JobStatus> listed = admin.list();
        assertEquals(List.copyOf(jobs.keySet()), listed.stream().map(JobStatus::getJobId).toList(),
            "every job is listed after the restarts, in submission order");
        for (JobStatus status : listed) {
          assertEquals(JobState.JOB_STATE_SUCCEEDED, status.getState(), status.getJobId());
          AdminClient.DownloadedModel model = admin.downloadModel(status.getJobId());
          assertEquals(status.getResultModelHash(), model.hash(), "the model of " + status.getJobId()
              + " downloads after the restarts");
          // as an auditor gets it, from whichever store keeps it (files, or the database)
          new AuditClient(channel).downloadLedger(status.getJobId(), dir.resolve("audit")
              .resolve(status.getJobId() + ".jsonl"));
        }
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      for (ParticipantNode node : nodes) {
        node.close();
      }
      coordinator.close();
      java.security.cert.X509Certificate caCertificate = Pem.readCertificates(ca.resolve("ca.pem")).get(0);
      for (Map.Entry<String, Kill> job : jobs.entrySet()) {
        Path ledger = dir.resolve("audit").resolve(job.getKey() + ".jsonl");
        Verification verification = LedgerVerifier.verify(ledger, caCertificate, dir.resolve("sites"),
            Clock.systemUTC());
        assertTrue(verification.ok(), ledger + ": " + verification.problem());
        if (job.getValue() == null) {
          assertTrue(verification.interruptions().isEmpty(), verification.interruptions().toString());
        } else {
          assertEquals(1, verification.interruptions().size(), job + ": " + verification.interruptions());
          Kill kill = job.getValue();
          int round = kill.round();
          String expected = switch (kill.step()) {
            case MASKED_INPUT, CONSISTENCY_CHECK, UNMASK -> "interrupted in round " + round + " (attempt 1 of round "
                + round + " was in the " + kill.step().name().toLowerCase() + " stage of its secure session, which"
                + " continues), resumed from round " + Math.max(0, round - 1) + ", continuing the secure session of"
                + " attempt 1";
            default -> "interrupted in round 2 (attempt 1 of round 2 was in progress and is abandoned), resumed"
                + " from round 1";
          };
          assertTrue(verification.interruptions().get(0).contains(expected), verification.interruptions().get(0));
          if (round == 0) {
            // round 0 sums the feature statistics: no round_closed, but every stage in attempt 1
            List<JsonNode> stages = records(ledger, "secagg_stage", 0);
            assertTrue(stages.stream().allMatch(stage -> stage.get("attempt").asInt() == 1), job + ": " + stages);
            assertTrue(stages.get(stages.size() - 1).get("remaining").toString().contains("\"plant-1\""), job
                + ": the held site's"
                + " statistics, sent again after the restart, are in the sum: " + stages);
            continue;
          }
          JsonNode closed = records(ledger, "round_closed", round).get(0);
          if (expected.contains("continues")) {
            assertEquals(1, closed.get("attempt").asInt(), job + ": round 2 closes in the attempt whose session"
                + " was carried on, not in a second session");
            assertTrue(closed.get("contributors").toString().contains("\"plant-1\""), job + ": the held site's"
                + " masked input, sent again after the restart, is in the sum: " + closed);
          } else if (kill.step() != Step.PLAIN_UPDATE) {
            assertEquals(2, closed.get("attempt").asInt(), job + ": a session that had not reached stage 3 is"
                + " abandoned and the round runs again with fresh keys");
          }
          assertTrue(verification.receipts() > 0, job + ": the sites' receipts were checked");
        }
      }
    }
  }

  /** Where the coordinator is killed: while one site holds its message of {@code step} in {@code round}. */
  record Kill(Step step, int round) {}

  /** The records of {@code type} about {@code round} in the round log at {@code ledger}, in order. */
  private static List<JsonNode> records(Path ledger, String type, int round) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> found = new ArrayList<>();
    for (String line : Files.readAllLines(ledger, StandardCharsets.UTF_8)) {
      JsonNode record = json.readTree(line);
      if (record.path("type").asText().equals(type) && record.path("round").asInt(-1) == round) {
        found.add(record);
      }
    }
    if (found.isEmpty()) {
      throw new AssertionError(ledger + " has no " + type + " record of round " + round);
    }
    return found;
  }
}
