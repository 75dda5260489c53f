package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.cli.CaCommand;
import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.core.ledger.LedgerVerifier;
import io.factoryfl.core.ledger.Verification;
import io.factoryfl.core.security.Pem;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.participant.config.ParticipantConfig;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.JobStatus;
import io.factoryfl.simulation.StageHoldInterceptor.Step;
import io.grpc.ManagedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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

  @Test
  void aKilledCoordinator_resumesItsJobs_andLosesNone() throws Exception {
    Path ca = dir.resolve("ca");
    ca("init", "--dir", ca.toString(), "--name", "crash-test-ca");
    ca("issue", "--dir", ca.toString(), "--name", "coordinator", "--role", "coordinator", "--out",
        dir.resolve("coordinator").toString(), "--dns", "localhost");
    ca("issue", "--dir", ca.toString(), "--name", "engineer", "--role", "admin", "--out",
        dir.resolve("engineer").toString());
    int port = CoordinatorProcess.freePort();
    Path data = dir.resolve("coordinator-data");
    Path coordinatorDir = dir.resolve("coordinator");
    StageHoldInterceptor hold = new StageHoldInterceptor();
    List<ParticipantNode> nodes = new ArrayList<>();
    Map<String, Kill> jobs = new LinkedHashMap<>();
    try (CoordinatorProcess coordinator = new CoordinatorProcess(port, dir.resolve("coordinator.log"), List.of(
        "--cert", coordinatorDir.resolve("coordinator.pem").toString(),
        "--key", coordinatorDir.resolve("coordinator-key.pem").toString(),
        "--ca", coordinatorDir.resolve("ca.pem").toString(),
        "--data", data.toString(), "--ca-dir", ca.toString(), "--dev-ca", "--heartbeat-grace-seconds", "5",
        // no fixed metrics port: other coordinators may run on the machine
        "--metrics-port", "0"))) {
      coordinator.start();
      String target = "localhost:" + port;
      startSites(ca, target, hold, nodes);
      ManagedChannel channel = AdminClient.openChannel(target, TlsMaterial.load(
          dir.resolve("engineer/engineer.pem"), dir.resolve("engineer/engineer-key.pem"),
          dir.resolve("engineer/ca.pem")));
      try {
        AdminClient admin = new AdminClient(channel);
        admin.awaitParticipants(SITES, Duration.ofSeconds(60));
        String first = admin.submit(spec("before-the-crashes", false)).getJobId();
        awaitEnd(admin, first, coordinator);
        jobs.put(first, null);
        for (Kill kill : List.of(new Kill(Step.PLAIN_UPDATE, 2), new Kill(Step.ADVERTISE_KEYS, 2),
            new Kill(Step.SHARE_KEYS, 2), new Kill(Step.MASKED_INPUT, 2), new Kill(Step.CONSISTENCY_CHECK, 2),
            new Kill(Step.UNMASK, 2), new Kill(Step.MASKED_INPUT, 0))) {
          Step step = kill.step();
          boolean secure = step != Step.PLAIN_UPDATE;
          // the held site reconnects last (its backoff grew while the coordinator was down): a job
          // submitted before it is back would draw its cohort without it and never reach the hold
          admin.awaitParticipants(SITES, Duration.ofSeconds(90));
          String job = admin.submit(spec("killed-at-" + step.name().toLowerCase() + "-r" + kill.round(), secure))
              .getJobId();
          hold.arm(step, job, kill.round());
          assertTrue(hold.awaitHolding(120), "the site never reached " + kill + " in job " + job);
          coordinator.kill();
          hold.release();
          coordinator.start();
          JobStatus resumed = awaitEnd(admin, job, coordinator);
          assertEquals(JobState.JOB_STATE_SUCCEEDED, resumed.getState(), job + " after a kill at " + step + ": "
              + resumed.getMessage() + "\n" + coordinator.output());
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
        Path ledger = data.resolve("ledgers").resolve(job.getKey() + ".jsonl");
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
  private record Kill(Step step, int round) {}

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

  private void startSites(Path ca, String target, StageHoldInterceptor hold, List<ParticipantNode> nodes)
      throws Exception {
    CsvTable table;
    try (InputStream in = getClass().getResourceAsStream("/datasets/ai4i2020.csv")) {
      table = CsvTable.parse("ai4i2020.csv", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    List<Factory> factories = Partitioner.split(table, SITES, SimulationConfig.TYPE, SimulationConfig.PRODUCT_ID,
        SimulationConfig.HOLD_OUT, 7);
    for (int i = 0; i < SITES; i++) {
      String name = "plant-" + (i + 1);
      Path site = dir.resolve("sites").resolve(name);
      ca("issue", "--dir", ca.toString(), "--name", name, "--role", "participant", "--out", site.toString());
      Files.move(site.resolve(name + ".pem"), site.resolve("site.pem"));
      Files.move(site.resolve(name + "-key.pem"), site.resolve("site-key.pem"));
      Files.move(site.resolve(name + "-signing-key.pem"), site.resolve("site-signing-key.pem"));
      CsvWriter.write(factories.get(i).train(), site.resolve("data/train.csv"));
      CsvWriter.write(factories.get(i).eval(), site.resolve("data/eval.csv"));
      // plain FedAvg allowed for the plain job; secure jobs still run secure
      Files.writeString(site.resolve("site-policy.json"), LoopbackFederation.PLAIN_FEDAVG_POLICY);
      Files.writeString(site.resolve("site.json"), LoopbackFederation.siteConfig(target,
          SimulationConfig.DATASET_NAME, name, true).replace("../../receipts/" + name + ".jsonl", "receipts.jsonl"));
      nodes.add(ParticipantNode.start(ParticipantConfig.load(site.resolve("site.json")),
          new SplittableRandom(1000L * (i + 1)), i == 0 ? List.of(hold) : List.of()));
    }
  }

  private static JobStatus awaitEnd(AdminClient admin, String job, CoordinatorProcess coordinator)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    JobStatus status = null;
    while (System.nanoTime() < deadline) {
      try {
        status = admin.status(job);
        if (status.getState() == JobState.JOB_STATE_SUCCEEDED || status.getState() == JobState.JOB_STATE_FAILED
            || status.getState() == JobState.JOB_STATE_CANCELLED) {
          return status;
        }
      } catch (io.grpc.StatusRuntimeException e) {
        // the coordinator is restarting
      }
      Thread.sleep(250);
    }
    String output = coordinator.output();
    throw new AssertionError("job " + job + " did not end within 180 s; last status " + status
        + "\ncoordinator output (end):\n" + output.substring(Math.max(0, output.length() - 6000)));
  }

  private static String spec(String name, boolean secure) {
    StringBuilder numeric = new StringBuilder("[");
    for (String column : SimulationConfig.NUMERIC) {
      numeric.append(numeric.length() > 1 ? ", " : "").append('"').append(column).append('"');
    }
    numeric.append(']');
    return """
        {"name": "%s", "model": {"template": "mlp", "hidden_layers": [8]},
         "dataset": {"name": "%s", "numeric_features": %s,
                     "categorical_features": [{"column": "Type", "categories": ["L", "M", "H"]}],
                     "label": "Machine failure", "label_classes": ["0", "1"]},
         "rounds": %d, "participants": {"min": 3, "max": %d},
         "training": {"local_epochs": 1, "batch_size": 64, "learning_rate": 0.01},
         "round_deadline_seconds": 60, "evaluate_every": 1, "seed": %d,
         "start_timeout_seconds": 120, "secure_aggregation": {"enabled": %s}}"""
        .formatted(name, SimulationConfig.DATASET_NAME, numeric, ROUNDS, SITES, name.hashCode() & 0x7fffffff, secure);
  }

  private static void ca(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = CaCommand.run(args, new PrintStream(out), new PrintStream(out));
    assertEquals(0, code, String.join(" ", args) + ": " + out);
  }
}
