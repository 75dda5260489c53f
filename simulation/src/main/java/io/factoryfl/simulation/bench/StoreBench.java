package io.factoryfl.simulation.bench;

import io.factoryfl.coordinator.store.CoordinatorStore;
import io.factoryfl.coordinator.store.EmbeddedStore;
import io.factoryfl.coordinator.store.InMemoryStore;
import io.factoryfl.coordinator.store.JobCheckpoint;
import io.factoryfl.coordinator.store.JobStore;
import io.factoryfl.coordinator.store.JobSubmission;
import io.factoryfl.coordinator.store.PostgresStore;
import io.factoryfl.coordinator.store.PostgresUrl;
import io.factoryfl.coordinator.store.StoreException;
import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.HelpRequested;
import io.factoryfl.core.cli.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * {@code factoryfl bench store}: what durability costs per round. Runs the store writes of one
 * committed and evaluated round, as the coordinator's job run makes them (the checkpoint with the
 * round prepared and the strategy's state of d floats in one transaction, the round_committed and
 * round_evaluated events, the checkpoint after the evaluation), R times on the in-memory store,
 * the embedded SQLite store and, given a URL, PostgreSQL, in one run; prints and writes the time
 * per round and its ratio to in-memory.
 */
public final class StoreBench {
  static final String COMMAND = "bench store";
  static final String HELP = """
      Usage: factoryfl bench store [options]
        Times the store writes of a round (checkpoint + strategy state of D floats, two events,
        checkpoint after evaluation: 4 transactions) R times on the in-memory store, the embedded
        store (SQLite, synchronous=FULL) and PostgreSQL, after 20 warm-up rounds on each, and reports
        the median and 95th percentile wall time per round and the ratio to in-memory.
        --rounds R        measured rounds per store (default 200)
        --dim D           floats of strategy state per round, e.g. FedAvgM's velocity (default 10000)
        --data DIR        directory for the embedded store (default: a new temporary directory)
        --postgres URL    also PostgreSQL: postgresql://[user[:password]@]host[:port]/database
                          (password also from PGPASSWORD); jobs named bench-* are added to it
        --seed S          seed for the state and events (default 1)
        --out FILE        write the table here (default out/bench/store.md)
      """;
  private static final int WARM_UP_ROUNDS = 20;
  private static final int EVENT_BYTES = 200;

  private StoreBench() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the benchmark; returns the exit status (0 done, 1 failed, 2 usage). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      Flags flags = Flags.parse(COMMAND, args, Set.of("--rounds", "--dim", "--data", "--postgres", "--seed", "--out"),
          Set.of());
      List<String> positional = flags.positional();
      if (!positional.isEmpty() && !(positional.size() == 1 && positional.get(0).equals("store"))) {
        throw new UsageException(COMMAND, "unexpected argument '" + positional.get(positional.size() - 1) + "'");
      }
      int rounds = flags.intValue("--rounds", 200, 1, 1_000_000);
      int dim = flags.intValue("--dim", 10_000, 0, 100_000_000);
      long seed = flags.longValue("--seed", 1);
      Path file = Path.of(flags.get("--out", "out/bench/store.md"));
      Path data = flags.has("--data") ? Path.of(flags.get("--data", "")) : Files.createTempDirectory("factoryfl-bench-");
      String postgres = flags.get("--postgres", null);
      if (postgres != null) {
        PostgresUrl.parse(postgres); // a malformed URL is a usage error before anything is measured
      }

      List<Result> results = new ArrayList<>();
      results.add(measure("in-memory", InMemoryStore::new, rounds, dim, seed, System::nanoTime, err));
      results.add(measure("embedded (SQLite)", () -> EmbeddedStore.open(data.resolve("embedded-" + System.nanoTime())),
          rounds, dim, seed, System::nanoTime, err));
      if (postgres != null) {
        results.add(measure("PostgreSQL", () -> PostgresStore.open(postgres), rounds, dim, seed, System::nanoTime,
            err));
      }
      String table = table(results, rounds, dim, seed);
      BenchReport.publish(table, file, out);
      return 0;
    } catch (HelpRequested help) {
      out.print(HELP);
      return 0;
    } catch (UsageException e) {
      err.println(e.command() + ": " + e.getMessage());
      err.println("Run 'factoryfl bench store --help' for usage.");
      return 2;
    } catch (IllegalArgumentException e) {
      err.println(COMMAND + ": " + e.getMessage());
      return 2;
    } catch (IOException | StoreException e) {
      err.println(COMMAND + " failed: " + e.getMessage());
      return 1;
    }
  }

  /** One store's figures: wall time per round in milliseconds, sorted. */
  record Result(String store, String description, double[] roundMs) {
    double median() {
      return percentile(0.5);
    }

    double percentile(double p) {
      return roundMs[Math.min(roundMs.length - 1, (int) Math.ceil(p * roundMs.length) - 1)];
    }
  }

  static Result measure(String name, Supplier<CoordinatorStore> open, int rounds, int dim, long seed,
      LongSupplier nanoTime, PrintStream err) {
    try (CoordinatorStore store = open.get()) {
      JobStore jobs = store.jobs();
      SplittableRandom random = new SplittableRandom(seed);
      String run = "bench-" + Long.toString(Instant.now().toEpochMilli(), 36) + "-";
      writeRounds(jobs, run + "warm-up", WARM_UP_ROUNDS, dim, random, nanoTime);
      double[] roundMs = writeRounds(jobs, run + "measured", rounds, dim, random, nanoTime);
      Arrays.sort(roundMs);
      Result result = new Result(name, store.description(), roundMs);
      err.printf(Locale.ROOT, "%s: median %.3f ms per round%n", name, result.median());
      return result;
    }
  }

  /** A job's rounds, each the coordinator's writes of one round; returns each round's wall time. */
  private static double[] writeRounds(JobStore jobs, String jobId, int rounds, int dim, SplittableRandom random,
      LongSupplier nanoTime) {
    jobs.create(new JobSubmission(jobId, "store benchmark", "{}", "0".repeat(64), "bench", Instant.now()));
    JobCheckpoint checkpoint = JobCheckpoint.submitted().withState(JobCheckpoint.State.RUNNING, "benchmark")
        .withStart(new double[] {0}, new double[] {1}, 0, 1, Map.of("site-a", 100L), "0".repeat(64));
    float[] state = new float[dim];
    byte[] event = new byte[EVENT_BYTES];
    long sequence = 0;
    double[] roundMs = new double[rounds];
    for (int round = 1; round <= rounds; round++) {
      for (int i = 0; i < dim; i++) {
        state[i] = (float) random.nextGaussian();
      }
      random.nextBytes(event);
      String model = String.format(Locale.ROOT, "%064x", round);
      long started = nanoTime.getAsLong();
      checkpoint = checkpoint.withPrepared(new JobCheckpoint.Prepared(round, model));
      jobs.save(jobId, checkpoint, round, Map.of("momentum", state), round - 1);
      checkpoint = checkpoint.committingPrepared();
      jobs.appendEvent(jobId, ++sequence, event);
      jobs.appendEvent(jobId, ++sequence, event);
      checkpoint = checkpoint.withEvaluated(round, new JobCheckpoint.Best(round, model, 0.5, round, 0));
      jobs.save(jobId, checkpoint);
      roundMs[round - 1] = (nanoTime.getAsLong() - started) / 1e6;
    }
    return roundMs;
  }

  static String table(List<Result> results, int rounds, int dim, long seed) {
    Result memory = results.get(0);
    StringBuilder table = new StringBuilder();
    table.append(String.format(Locale.ROOT, "Store writes of one round (2 checkpoints, one with %d floats of strategy"
        + " state, 2 events of %d bytes), %d rounds per store after %d warm-up rounds (seed %d), %d cores, Java %s,"
        + " system load average %.1f at the end%n%n", dim, EVENT_BYTES, rounds, WARM_UP_ROUNDS, seed,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
    table.append("| store | median ms per round | x in-memory | p95 ms per round | x in-memory | where |\n");
    table.append("|---|---:|---:|---:|---:|---|\n");
    for (Result r : results) {
      table.append(String.format(Locale.ROOT, "| %s | %.3f | %.0f | %.3f | %.0f | %s |%n", r.store(), r.median(),
          r.median() / memory.median(), r.percentile(0.95), r.percentile(0.95) / memory.percentile(0.95),
          r.description()));
    }
    return table.toString();
  }
}
