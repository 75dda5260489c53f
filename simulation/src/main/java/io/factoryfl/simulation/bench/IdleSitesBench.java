package io.factoryfl.simulation.bench;

import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.HelpRequested;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.PollTaskRequest;
import io.factoryfl.proto.v1.PollTaskResponse;
import io.factoryfl.proto.v1.RegisterRequest;
import io.factoryfl.proto.v1.RegisterResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code factoryfl bench idle-sites}: what connected, idle sites cost a coordinator. The real
 * coordinator jar runs as its own JVM; the benchmark's JVM opens one mutual-TLS connection per
 * site, each with its own certificate, registers it and keeps a long poll open, as an idle
 * participant does. At each step (0, then the counts asked for) it waits until the coordinator
 * counts every site connected, lets them idle, and reads the coordinator's thread count and
 * resident memory from /proc and its heap after a full collection from {@code jcmd GC.heap_info}.
 */
public final class IdleSitesBench {
  private static final String COMMAND = "bench idle-sites";
  private static final Duration POLL_WAIT = Duration.ofSeconds(30);
  private static final String HELP = """
      Usage: factoryfl bench idle-sites [options]
        Connects idle sites to a real coordinator process and measures its threads and memory.
        --sites N[,N...]   site counts to measure, ascending (default 1000,10000)
        --idle SECONDS     how long the sites idle before each reading (default 40)
        --coordinator-jar FILE  (default coordinator/target/factoryfl-coordinator-0.1.0-SNAPSHOT.jar)
        --dir DIR          working directory for certificates and the coordinator's data (default: temporary)
        --out FILE         the report (default out/bench/idle-sites.md)
      """;

  private IdleSitesBench() {}

  /** One reading of the coordinator process. */
  record Reading(int sites, int threads, long rssMib, long heapUsedMib, double connectSeconds) {}

  /** Runs the benchmark; returns the exit status (0 done, 1 failed, 2 usage). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      Flags flags = Flags.parse(COMMAND, args, Set.of("--sites", "--idle", "--coordinator-jar", "--dir", "--out"),
          Set.of());
      List<Integer> steps = new ArrayList<>();
      for (String part : flags.get("--sites", "1000,10000").split(",")) {
        try {
          steps.add(Integer.parseInt(part.trim()));
        } catch (NumberFormatException e) {
          throw new UsageException(COMMAND, "--sites must be site counts such as 1000,10000, got '" + part + "'");
        }
      }
      for (int i = 0; i < steps.size(); i++) {
        if (steps.get(i) < 1 || steps.get(i) > 20_000 || (i > 0 && steps.get(i) <= steps.get(i - 1))) {
          throw new UsageException(COMMAND, "--sites must ascend, each from 1 to 20000, got " + steps);
        }
      }
      int idle = flags.intValue("--idle", 40, 0, 3600);
      Path jar = Path.of(flags.get("--coordinator-jar", "coordinator/target/factoryfl-coordinator-0.1.0-SNAPSHOT.jar"));
      if (!Files.isRegularFile(jar)) {
        throw new UsageException(COMMAND, "the coordinator jar " + jar + " does not exist; build it with"
            + " ./mvnw -B -q -DskipTests package -pl coordinator -am");
      }
      Path dir = flags.has("--dir") ? Path.of(flags.get("--dir", "")) : Files.createTempDirectory("factoryfl-idle-");
      Path file = Path.of(flags.get("--out", "out/bench/idle-sites.md"));
      List<Reading> readings = measure(dir, jar, steps, idle, err);
      String report = report(readings, idle);
      BenchReport.publish(report, file, out);
      return 0;
    } catch (HelpRequested help) {
      out.print(HELP);
      return 0;
    } catch (UsageException e) {
      err.println(e.command() + ": " + e.getMessage());
      err.println("Run 'factoryfl bench idle-sites --help' for usage.");
      return 2;
    } catch (Exception e) {
      err.println(COMMAND + " failed: " + e.getMessage());
      return 1;
    }
  }

  static List<Reading> measure(Path dir, Path jar, List<Integer> steps, int idle, PrintStream err) throws Exception {
    Path ca = dir.resolve("ca");
    LargeModelBench.ca("init", "--dir", ca.toString(), "--name", "idle-sites-bench");
    LargeModelBench.ca("issue", "--dir", ca.toString(), "--name", "coordinator", "--role", "coordinator", "--out",
        dir.resolve("coordinator").toString(), "--dns", "localhost");
    LargeModelBench.ca("issue", "--dir", ca.toString(), "--name", "engineer", "--role", "admin", "--out",
        dir.resolve("engineer").toString());
    CertificateAuthority authority = CertificateAuthority.load(ca, Clock.systemUTC(), new SecureRandom());
    int port = LargeModelBench.freePort();
    Path coordinator = dir.resolve("coordinator");
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx2g", "-Dfactoryfl.log.level=warn", "-jar", jar.toString(),
        "serve", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--cert", coordinator.resolve("coordinator.pem").toString(),
        "--key", coordinator.resolve("coordinator-key.pem").toString(),
        "--ca", coordinator.resolve("ca.pem").toString(), "--ca-dir", ca.toString(), "--dev-ca",
        "--data", dir.resolve("data").toString(), "--metrics-port", "0", "--heartbeat-grace-seconds", "120");
    err.println("coordinator: " + String.join(" ", command));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("coordinator.out").toFile());
    Process process = builder.start();
    List<ManagedChannel> channels = new ArrayList<>();
    List<IdleSite> sites = new ArrayList<>();
    List<Reading> readings = new ArrayList<>();
    try {
      LargeModelBench.awaitPort(port, process, dir.resolve("coordinator.out"));
      String target = "localhost:" + port;
      Path engineer = dir.resolve("engineer");
      ManagedChannel adminChannel = AdminClient.openChannel(target, TlsMaterial.load(
          engineer.resolve("engineer.pem"), engineer.resolve("engineer-key.pem"), engineer.resolve("ca.pem")));
      channels.add(adminChannel);
      AdminClient admin = new AdminClient(adminChannel);
      Thread.sleep(idle * 1000L);
      readings.add(read(process.pid(), 0, 0));
      err.println("0 sites: " + readings.get(0));
      Semaphore registering = new Semaphore(200);
      for (int step : steps) {
        long started = System.nanoTime();
        for (int i = sites.size() + 1; i <= step; i++) {
          ManagedChannel channel = AdminClient.openChannel(target, TlsMaterial.of(
              authority.issue(String.format(Locale.ROOT, "site-%05d", i), Role.PARTICIPANT, Duration.ofDays(1),
                  List.of())));
          channels.add(channel);
          IdleSite site = new IdleSite(FleetGrpc.newStub(channel), registering);
          sites.add(site);
          registering.acquire();
          site.register();
        }
        admin.awaitParticipants(step, Duration.ofSeconds(60).plusMillis(50L * step));
        double connect = (System.nanoTime() - started) / 1e9;
        Thread.sleep(idle * 1000L);
        int failed = sites.stream().mapToInt(IdleSite::failures).sum();
        if (failed > 0) {
          err.println(failed + " poll(s) failed and were retried");
        }
        Reading reading = read(process.pid(), step, connect);
        readings.add(reading);
        err.println(step + " sites: " + reading);
      }
    } finally {
      sites.forEach(IdleSite::stop);
      for (ManagedChannel channel : channels) {
        channel.shutdownNow();
      }
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
    return readings;
  }

  private static Reading read(long pid, int sites, double connectSeconds) throws Exception {
    String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
    int threads = Integer.parseInt(field(status, "Threads:\\s+(\\d+)"));
    long rssMib = Long.parseLong(field(status, "VmRSS:\\s+(\\d+) kB")) >> 10;
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    run(jcmd.toString(), Long.toString(pid), "GC.run");
    String heap = run(jcmd.toString(), Long.toString(pid), "GC.heap_info");
    long usedMib = Long.parseLong(field(heap, "used (\\d+)K")) >> 10;
    return new Reading(sites, threads, rssMib, usedMib, connectSeconds);
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + text);
    }
    return text;
  }

  private static String field(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    if (!m.find()) {
      throw new IllegalStateException("no '" + regex + "' in:\n" + text);
    }
    return m.group(1);
  }

  static String report(List<Reading> readings, int idle) {
    StringBuilder s = new StringBuilder();
    s.append("Coordinator process with N idle sites connected (own mutual-TLS connection and certificate each,\n")
        .append("registered, a long poll open), read after ").append(idle).append(" s idle:\n\n")
        .append("| sites | coordinator threads | heap after full GC (MiB) | RSS (MiB) | connect + register (s) |\n")
        .append("|---:|---:|---:|---:|---:|\n");
    for (Reading r : readings) {
      s.append(String.format(Locale.ROOT, "| %,d | %d | %d | %d | %.1f |%n", r.sites(), r.threads(), r.heapUsedMib(),
          r.rssMib(), r.connectSeconds()));
    }
    return s.toString();
  }

  /** One idle site: registers, then keeps one long poll open, re-polling when it ends. No thread of its own. */
  private static final class IdleSite {
    private final FleetGrpc.FleetStub stub;
    private final Semaphore registering;
    private final AtomicInteger failures = new AtomicInteger();
    private volatile boolean stopped;
    private volatile String session;

    IdleSite(FleetGrpc.FleetStub stub, Semaphore registering) {
      this.stub = stub;
      this.registering = registering;
    }

    int failures() {
      return failures.get();
    }

    void stop() {
      stopped = true;
    }

    void register() {
      stub.withDeadlineAfter(120, TimeUnit.SECONDS).register(RegisterRequest.newBuilder().addDatasets("idle")
          .setAgentVersion("bench").build(), new StreamObserver<>() {
            @Override
            public void onNext(RegisterResponse response) {
              session = response.getSessionId();
            }

            @Override
            public void onError(Throwable t) {
              registering.release();
              failures.incrementAndGet();
              if (!stopped) {
                register();
              }
            }

            @Override
            public void onCompleted() {
              registering.release();
              poll();
            }
          });
    }

    void poll() {
      if (stopped) {
        return;
      }
      stub.withDeadlineAfter(POLL_WAIT.toSeconds() + 30, TimeUnit.SECONDS).pollTask(PollTaskRequest.newBuilder()
          .setSessionId(session).setWaitMillis(POLL_WAIT.toMillis()).build(), new StreamObserver<>() {
            @Override
            public void onNext(PollTaskResponse response) {
              // An idle federation sends no tasks; receipts, if any, are dropped.
            }

            @Override
            public void onError(Throwable t) {
              if (!stopped) {
                failures.incrementAndGet();
                poll();
              }
            }

            @Override
            public void onCompleted() {
              poll();
            }
          });
    }
  }
}
