package io.factoryfl.simulation.bench;

import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.cli.CaCommand;
import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.HelpRequested;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.JobStatus;
import io.grpc.ManagedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code factoryfl bench large-model}: one plain FedAvg round of a model of about P parameters with
 * N sites, against the real coordinator run as its own JVM ({@code java -jar} its jar, as {@code
 * ./factoryfl coordinator} runs it) with {@code -Xmx} at 3x the model's float32 size, so finishing
 * at all shows the bound. The peak heap is read from the coordinator's own GC log ({@code
 * -Xlog:gc}): the largest heap occupancy before any collection, which is where the heap peaks
 * between collections (it counts garbage not yet collected too, so it errs high). The sites are
 * {@link SyntheticSite}s in this JVM, each on its own mutual-TLS channel, uploading seeded random
 * models through the Fleet protocol: training a 10^8-parameter network at ten sites does not fit
 * a 2-core machine, and what is measured is the coordinator.
 */
public final class LargeModelBench {
  static final String COMMAND = "bench large-model";
  static final String HELP = """
      Usage: factoryfl bench large-model [options]
        Runs the coordinator jar as its own JVM with -Xmx at 3x the model's float32 size, N
        synthetic sites over mutual TLS, and one plain FedAvg round of an MLP of about P parameters
        (two equal hidden layers); reports the coordinator's peak heap from its GC log and the round
        time, and writes them to FILE.
        --parameters P       model size to aim at (default 100000000)
        --sites N            sites in the round (default 10)
        --heap-factor F      coordinator -Xmx as a multiple of the model's bytes (default 3)
        --coordinator-jar J  the coordinator jar (default coordinator/target/factoryfl-coordinator-0.1.0-SNAPSHOT.jar)
        --dir DIR            working directory: CA, data, GC log (default: a new temporary directory)
        --out FILE           write the figures here (default out/bench/large-model.md)
      """;
  private static final Pattern GC_LINE = Pattern.compile("Pause.*?(\\d+)M->(\\d+)M\\((\\d+)M\\)");
  private static final String DATASET = "bench-large";

  private LargeModelBench() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the benchmark; returns the exit status (0 done, 1 failed, 2 usage). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      Flags flags = Flags.parse(COMMAND, args, Set.of("--parameters", "--sites", "--heap-factor",
          "--coordinator-jar", "--dir", "--out"), Set.of("--secure"));
      List<String> positional = flags.positional();
      if (!positional.isEmpty() && !(positional.size() == 1 && positional.get(0).equals("large-model"))) {
        throw new UsageException(COMMAND, "unexpected argument '" + positional.get(positional.size() - 1) + "'");
      }
      if (flags.has("--secure")) {
        throw new UsageException(COMMAND, "--secure is not measured yet: the coordinator's secure round still"
            + " holds several copies of the masked sum (docs/performance.md); run the plain round");
      }
      long target = flags.longValue("--parameters", 100_000_000L);
      int sites = flags.intValue("--sites", 10, 1, 1000);
      double factor = Double.parseDouble(flags.get("--heap-factor", "3"));
      Path jar = Path.of(flags.get("--coordinator-jar", "coordinator/target/factoryfl-coordinator-0.1.0-SNAPSHOT.jar"));
      Path dir = flags.has("--dir") ? Path.of(flags.get("--dir", "")) : Files.createTempDirectory("factoryfl-large-");
      Path file = Path.of(flags.get("--out", "out/bench/large-model.md"));
      if (!Files.isRegularFile(jar)) {
        throw new UsageException(COMMAND, "the coordinator jar " + jar + " does not exist; build it with"
            + " ./mvnw -B -q -DskipTests package -pl coordinator -am");
      }
      int hidden = (int) Math.floor(-3 + Math.sqrt(9 + target - 2.0));
      if (hidden < 1) {
        throw new UsageException(COMMAND, "--parameters must be at least 9, was " + target);
      }
      long parameters = (long) hidden * hidden + 6L * hidden + 2;
      long modelBytes = parameters * Float.BYTES;
      long heapMib = (long) Math.floor(factor * modelBytes / (1 << 20));
      Figures figures = measure(dir, jar, hidden, parameters, sites, heapMib, err);
      String report = figures.report(factor);
      BenchReport.publish(report, file, out);
      return figures.state == JobState.JOB_STATE_SUCCEEDED ? 0 : 1;
    } catch (HelpRequested help) {
      out.print(HELP);
      return 0;
    } catch (UsageException e) {
      err.println(e.command() + ": " + e.getMessage());
      err.println("Run 'factoryfl bench large-model --help' for usage.");
      return 2;
    } catch (IllegalArgumentException e) {
      err.println(COMMAND + ": " + e.getMessage());
      return 2;
    } catch (Exception e) {
      err.println(COMMAND + " failed: " + e.getMessage());
      return 1;
    }
  }

  /** What one run measured. */
  record Figures(long parameters, int sites, long heapMib, long peakHeapMib, long peakRetainedMib, long peakLiveMib,
      int collections,
      double roundSeconds,
      JobState state, String message, String command) {
    String report(double factor) {
      double modelMib = parameters * 4.0 / (1 << 20);
      return String.format(Locale.ROOT, """
          # bench large-model

          | figure | value |
          |---|---|
          | parameters | %,d |
          | model bytes (float32) | %,d (%.1f MiB) |
          | sites | %d |
          | coordinator -Xmx | %,d MiB (%.2fx the model) |
          | peak heap, plain FedAvg round (before a collection, garbage included) | %,d MiB (%.2fx the model) |
          | peak heap retained after a collection | %,d MiB (%.2fx the model) |
          | peak live heap (after a full collection; 0 if none ran) | %,d MiB (%.2fx the model) |
          | garbage collections | %d |
          | job wall time (model creation, feature statistics, 1 round) | %.1f s |
          | job outcome | %s: %s |

          Peak heap: the largest heap occupancy before a collection in the coordinator's -Xlog:gc log;
          G1 lets garbage build up to -Xmx before it collects, so this figure tracks -Xmx. Retained: the
          largest occupancy right after a collection (live data plus garbage that collection kept). Live:
          the largest occupancy after a full collection, which keeps live data only.
          Coordinator: %s
          """, parameters, parameters * 4, modelMib, sites, heapMib, heapMib / modelMib, peakHeapMib,
          peakHeapMib / modelMib, peakRetainedMib, peakRetainedMib / modelMib, peakLiveMib, peakLiveMib / modelMib,
          collections, roundSeconds, state,
          message, command);
    }
  }

  static Figures measure(Path dir, Path jar, int hidden, long parameters, int sites, long heapMib, PrintStream err)
      throws Exception {
    Path ca = dir.resolve("ca");
    ca("init", "--dir", ca.toString(), "--name", "large-model-bench");
    ca("issue", "--dir", ca.toString(), "--name", "coordinator", "--role", "coordinator", "--out",
        dir.resolve("coordinator").toString(), "--dns", "localhost");
    ca("issue", "--dir", ca.toString(), "--name", "engineer", "--role", "admin", "--out",
        dir.resolve("engineer").toString());
    for (int i = 1; i <= sites; i++) {
      ca("issue", "--dir", ca.toString(), "--name", "site-" + i, "--role", "participant", "--out",
          dir.resolve("sites/site-" + i).toString());
    }
    int port = freePort();
    Path gcLog = dir.resolve("coordinator-gc.log");
    Path coordinator = dir.resolve("coordinator");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heapMib + "m", "-Xlog:gc:file=" + gcLog, "-Dfactoryfl.log.level=warn", "-jar", jar.toString(),
        "serve", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--cert", coordinator.resolve("coordinator.pem").toString(),
        "--key", coordinator.resolve("coordinator-key.pem").toString(),
        "--ca", coordinator.resolve("ca.pem").toString(), "--ca-dir", ca.toString(), "--dev-ca",
        "--data", dir.resolve("data").toString(), "--metrics-port", "0", "--heartbeat-grace-seconds", "600",
        "--max-upload-buffer-mib", Long.toString(Math.max(1, parameters * 4 * sites >> 20) + 64)));
    err.println("coordinator: " + String.join(" ", command));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("coordinator.out").toFile());
    builder.environment().put("OMP_NUM_THREADS", "1");
    Process process = builder.start();
    List<ManagedChannel> channels = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    List<SyntheticSite> siteList = new ArrayList<>();
    boolean[] stop = {false};
    JobStatus status = null;
    long started = 0;
    long ended = 0;
    try {
      awaitPort(port, process, dir.resolve("coordinator.out"));
      String target = "localhost:" + port;
      for (int i = 1; i <= sites; i++) {
        Path site = dir.resolve("sites/site-" + i);
        ManagedChannel channel = AdminClient.openChannel(target,
            TlsMaterial.load(site.resolve("site-" + i + ".pem"), site.resolve("site-" + i + "-key.pem"),
                site.resolve("ca.pem")));
        channels.add(channel);
        SyntheticSite s = new SyntheticSite(channel, DATASET, 1000L + i, () -> stop[0]);
        siteList.add(s);
        Thread thread = new Thread(s, "site-" + i);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
      }
      Path engineer = dir.resolve("engineer");
      ManagedChannel adminChannel = AdminClient.openChannel(target, TlsMaterial.load(
          engineer.resolve("engineer.pem"), engineer.resolve("engineer-key.pem"), engineer.resolve("ca.pem")));
      channels.add(adminChannel);
      AdminClient admin = new AdminClient(adminChannel);
      admin.awaitParticipants(sites, Duration.ofSeconds(120));
      started = System.nanoTime();
      JobStatus submitted = admin.submit(spec(hidden, sites));
      err.printf(Locale.ROOT, "job %s submitted: %,d parameters, %d sites, coordinator -Xmx%dm%n",
          submitted.getJobId(), parameters, sites, heapMib);
      while (true) {
        status = admin.status(submitted.getJobId());
        JobState state = status.getState();
        if (state == JobState.JOB_STATE_SUCCEEDED || state == JobState.JOB_STATE_FAILED
            || state == JobState.JOB_STATE_CANCELLED) {
          break;
        }
        for (SyntheticSite s : siteList) {
          if (s.failure() != null) {
            throw new IllegalStateException("a site failed: " + s.failure().getMessage(), s.failure());
          }
        }
        if (!process.isAlive()) {
          throw new IllegalStateException("the coordinator exited with " + process.exitValue() + ":\n"
              + tail(dir.resolve("coordinator.out")));
        }
        Thread.sleep(1000);
      }
      ended = System.nanoTime();
    } finally {
      stop[0] = true;
      for (ManagedChannel channel : channels) {
        channel.shutdownNow();
      }
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
    long peak = 0;
    long retained = 0;
    long live = 0;
    int collections = 0;
    for (String line : Files.readAllLines(gcLog)) {
      Matcher m = GC_LINE.matcher(line);
      if (m.find()) {
        collections++;
        peak = Math.max(peak, Long.parseLong(m.group(1)));
        retained = Math.max(retained, Long.parseLong(m.group(2)));
        if (line.contains("Pause Full")) {
          live = Math.max(live, Long.parseLong(m.group(2)));
        }
      }
    }
    return new Figures(parameters, sites, heapMib, peak, retained, live, collections, (ended - started) / 1e9, status.getState(),
        status.getMessage(), "java -Xmx" + heapMib + "m -Xlog:gc:file=... -jar " + jar + " serve ...");
  }

  /** A plain FedAvg job: one round of an MLP with two hidden layers of {@code hidden}, no evaluation. */
  static String spec(int hidden, int sites) {
    return """
        {"name": "large-model", "model": {"template": "mlp", "hidden_layers": [%d, %d]},
         "dataset": {"name": "%s", "numeric_features": ["a", "b"], "label": "y", "label_classes": ["0", "1"]},
         "rounds": 1, "participants": {"min": %d, "max": %d},
         "training": {"local_epochs": 1, "batch_size": 10, "learning_rate": 0.01},
         "round_deadline_seconds": 3600, "evaluate_every": 0, "seed": 7, "start_timeout_seconds": 600,
         "secure_aggregation": {"enabled": false}, "server_momentum": 0}"""
        .formatted(hidden, hidden, DATASET, sites, sites);
  }

  static void ca(String... args) {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    PrintStream print = new PrintStream(text, true, StandardCharsets.UTF_8);
    if (CaCommand.run(args, print, print) != 0) {
      throw new IllegalStateException("ca " + String.join(" ", args) + ": " + text);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  static void awaitPort(int port, Process process, Path output) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the coordinator exited with " + process.exitValue() + ":\n" + tail(output));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("the coordinator did not listen on port " + port + " within 120 s:\n"
        + tail(output));
  }

  static String tail(Path output) throws IOException {
    String text = Files.exists(output) ? Files.readString(output) : "";
    return text.substring(Math.max(0, text.length() - 4000));
  }
}
