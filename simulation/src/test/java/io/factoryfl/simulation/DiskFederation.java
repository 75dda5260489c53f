package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.cli.CaCommand;
import io.factoryfl.participant.config.ParticipantConfig;
import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.JobStatus;
import io.grpc.ClientInterceptor;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Test fixture: a federation laid out on disk as a deployment is, for tests that run coordinators
 * as processes ({@link CoordinatorProcess}): a CA made with {@code ca init}, identities issued with
 * {@code ca issue}, and participant nodes with their own directories (certificate, key, AI4I share,
 * site config, receipts) that dial out to one or several coordinator addresses.
 */
final class DiskFederation {
  private DiskFederation() {}

  /** Runs a {@code ca} subcommand in this JVM, failing the test if it fails. */
  static void ca(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = CaCommand.run(args, new PrintStream(out), new PrintStream(out));
    assertEquals(0, code, String.join(" ", args) + ": " + out);
  }

  /** Makes the CA in {@code dir}/ca and issues the coordinator (for localhost) and an engineer. */
  static Path init(Path dir) {
    Path ca = dir.resolve("ca");
    ca("init", "--dir", ca.toString(), "--name", "disk-federation-ca");
    ca("issue", "--dir", ca.toString(), "--name", "coordinator", "--role", "coordinator", "--out",
        dir.resolve("coordinator").toString(), "--dns", "localhost");
    ca("issue", "--dir", ca.toString(), "--name", "engineer", "--role", "admin", "--out",
        dir.resolve("engineer").toString());
    return ca;
  }

  /** The {@code serve} options naming the coordinator's identity and the development CA. */
  static List<String> coordinatorIdentity(Path dir) {
    Path coordinator = dir.resolve("coordinator");
    return List.of("--cert", coordinator.resolve("coordinator.pem").toString(),
        "--key", coordinator.resolve("coordinator-key.pem").toString(),
        "--ca", coordinator.resolve("ca.pem").toString(),
        "--ca-dir", dir.resolve("ca").toString(), "--dev-ca", "--heartbeat-grace-seconds", "5",
        "--metrics-port", "0");
  }

  /** The engineer's TLS material, for an admin channel. */
  static io.factoryfl.core.security.TlsMaterial engineer(Path dir) throws Exception {
    return io.factoryfl.core.security.TlsMaterial.load(dir.resolve("engineer/engineer.pem"),
        dir.resolve("engineer/engineer-key.pem"), dir.resolve("engineer/ca.pem"));
  }

  /**
   * Issues and starts {@code count} sites plant-1.. that allow plain rounds as well as secure ones,
   * each with a share of AI4I, dialling {@code target} (one address or several, comma-separated).
   *
   * @param interceptors by site index (0 = plant-1), faults on that site's channel
   */
  static List<ParticipantNode> startSites(Path dir, String target, int count, Map<Integer, ClientInterceptor> interceptors)
      throws Exception {
    CsvTable table;
    try (InputStream in = DiskFederation.class.getResourceAsStream("/datasets/ai4i2020.csv")) {
      table = CsvTable.parse("ai4i2020.csv", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    List<Factory> factories = Partitioner.split(table, count, SimulationConfig.TYPE, SimulationConfig.PRODUCT_ID,
        SimulationConfig.HOLD_OUT, 7);
    List<ParticipantNode> nodes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = "plant-" + (i + 1);
      Path site = dir.resolve("sites").resolve(name);
      ca("issue", "--dir", dir.resolve("ca").toString(), "--name", name, "--role", "participant", "--out",
          site.toString());
      Files.move(site.resolve(name + ".pem"), site.resolve("site.pem"));
      Files.move(site.resolve(name + "-key.pem"), site.resolve("site-key.pem"));
      Files.move(site.resolve(name + "-signing-key.pem"), site.resolve("site-signing-key.pem"));
      CsvWriter.write(factories.get(i).train(), site.resolve("data/train.csv"));
      CsvWriter.write(factories.get(i).eval(), site.resolve("data/eval.csv"));
      Files.writeString(site.resolve("site-policy.json"), LoopbackFederation.PLAIN_FEDAVG_POLICY);
      Files.writeString(site.resolve("site.json"), LoopbackFederation.siteConfig(target,
          SimulationConfig.DATASET_NAME, name, true).replace("../../receipts/" + name + ".jsonl", "receipts.jsonl")
          // back within 2 s of a restarted coordinator, not up to the default 30 s
          .replace("\"poll_wait_seconds\": 10,", "\"poll_wait_seconds\": 10,\n  \"reconnect_max_seconds\": 2,"));
      ClientInterceptor interceptor = interceptors.get(i);
      nodes.add(ParticipantNode.start(ParticipantConfig.load(site.resolve("site.json")),
          new SplittableRandom(1000L * (i + 1)), interceptor == null ? List.of() : List.of(interceptor)));
    }
    return nodes;
  }

  /** An AI4I job over {@code sites} sites (at least 3 of them per round), each round evaluated. */
  static String spec(String name, boolean secure, int rounds, int sites) {
    String numeric = PlantSites.numericFeatures();
    return """
        {"name": "%s", "model": {"template": "mlp", "hidden_layers": [8]},
         "dataset": {"name": "%s", "numeric_features": %s,
                     "categorical_features": [{"column": "Type", "categories": ["L", "M", "H"]}],
                     "label": "Machine failure", "label_classes": ["0", "1"]},
         "rounds": %d, "participants": {"min": 3, "max": %d},
         "training": {"local_epochs": 1, "batch_size": 64, "learning_rate": 0.01},
         "round_deadline_seconds": 60, "evaluate_every": 1, "seed": %d,
         "start_timeout_seconds": 120, "secure_aggregation": {"enabled": %s}}"""
        .formatted(name, SimulationConfig.DATASET_NAME, numeric, rounds, sites, name.hashCode() & 0x7fffffff, secure);
  }

  /** Polls the job until it ends (a coordinator restarting in between is waited out), at most 180 s. */
  static JobStatus awaitEnd(AdminClient admin, String job, Supplier<String> diagnostics) throws InterruptedException {
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
    throw new AssertionError("job " + job + " did not end within 180 s; last status " + status + "\n"
        + diagnostics.get());
  }
}
