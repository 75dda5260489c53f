package io.factoryfl.simulation.bench;

import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.HelpRequested;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.job.InvalidJobSpecException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code factoryfl bench robust}: one plain round of N updates of d parameters through each
 * robust aggregator and through plain FedAvg, in one run, with time and memory as ratios to FedAvg.
 * The rounds go through the coordinator's real strategy objects (the ones a job spec's
 * {@code robust_aggregation} builds); the table is printed and written to {@code --out}.
 */
public final class RobustBench {
  static final String COMMAND = "bench robust";
  static final String HELP = """
      Usage: factoryfl bench robust [options]
        Feeds N updates of d parameters through the coordinator's real aggregation objects and then
        aggregateFit, for plain FedAvg and for each robust_aggregation rule, and reports per rule
        the aggregation time, CPU and wall clock (medians over the repeats; generating the updates
        is not timed; on a shared machine CPU time is the steadier figure), the
        bytes the round's aggregate holds after the N updates (heap after a GC, minus before), the
        bytes aggregateFit allocates, and the ratios of both to FedAvg.
        Rules: fedavg, fedavg + clip_norm, median, trimmed_mean (trims f = max(1, N/10) per end),
        multi_krum (byzantine f, averages n - f).
        --participants N  updates per round (default 100; at least 5)
        --dim D           parameters per update (default 1000000)
        --repeats R       measured rounds per rule; the median is reported (default 3)
        --seed S          seed for the updates (default 1)
        --out FILE        write the table here (default out/bench/robust-aggregation.md)
      Memory: rules other than fedavg hold N * D * 4 bytes; give the JVM room
      (FACTORYFL_JAVA_OPTS=-Xmx4g is the launcher's default).
      """;

  private RobustBench() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the benchmark; returns the exit status (0 done, 1 failed, 2 usage). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      Flags flags = Flags.parse(COMMAND, args,
          Set.of("--participants", "--dim", "--repeats", "--seed", "--out"), Set.of());
      List<String> positional = flags.positional();
      if (!positional.isEmpty() && !(positional.size() == 1 && positional.get(0).equals("robust"))) {
        throw new UsageException(COMMAND, "unexpected argument '" + positional.get(positional.size() - 1) + "'");
      }
      int participants = flags.intValue("--participants", 100, 5, 10_000);
      int dim = flags.intValue("--dim", 1_000_000, 1, 100_000_000);
      int repeats = flags.intValue("--repeats", 3, 1, 100);
      long seed = flags.longValue("--seed", 1);
      Path file = Path.of(flags.get("--out", "out/bench/robust-aggregation.md"));

      RobustBenchRound bench = new RobustBenchRound(System::nanoTime);
      List<RobustBenchRound.Rule> rules = RobustBenchRound.rules(participants);
      // Warm-up on a small round, so the JIT has compiled the hot loops before anything is timed.
      for (RobustBenchRound.Rule rule : RobustBenchRound.rules(Math.min(participants, 20))) {
        bench.measure(rule, Math.min(participants, 20), Math.min(dim, 50_000), 1, seed + 7);
      }
      List<RobustBenchRound.Result> results = new ArrayList<>();
      for (RobustBenchRound.Rule rule : rules) {
        RobustBenchRound.Result result = bench.measure(rule, participants, dim, repeats, seed);
        results.add(result);
        err.printf(Locale.ROOT, "%s: %.1f ms (CPU %.1f ms)%n", rule.label(), result.medianMs(),
            result.cpuMs());
      }
      String table = table(results, participants, dim, repeats, seed);
      out.print(table);
      BenchReport.write(file, table);
      out.println("written to " + file);
      return 0;
    } catch (HelpRequested help) {
      out.print(HELP);
      return 0;
    } catch (UsageException e) {
      err.println(e.command() + ": " + e.getMessage());
      err.println("Run 'factoryfl bench robust --help' for usage.");
      return 2;
    } catch (InvalidJobSpecException e) {
      err.println(COMMAND + ": " + e.getMessage());
      return 2;
    } catch (IOException | IllegalStateException e) {
      err.println(COMMAND + " failed: " + e.getMessage());
      return 1;
    }
  }

  static String table(List<RobustBenchRound.Result> results, int participants, int dim, int repeats,
      long seed) {
    RobustBenchRound.Result fedAvg = results.get(0);
    StringBuilder table = new StringBuilder();
    table.append(String.format(Locale.ROOT, "Plain round, N = %d updates, d = %d parameters; median of"
        + " %d repeats (seed %d), %d cores, Java %s, max heap %d MiB, ", participants, dim, repeats,
        seed, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() >> 20));
    table.append(String.format(Locale.ROOT, "system load average %.1f at the end%n%n",
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
    table.append("| rule | CPU ms | x FedAvg | wall ms | x FedAvg | accept wall ms |"
        + " aggregateFit wall ms | held MB | x FedAvg | aggregateFit allocates MB |\n");
    table.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (RobustBenchRound.Result r : results) {
      table.append(String.format(Locale.ROOT,
          "| %s | %.0f | %.1f | %.0f | %.1f | %.0f | %.0f | %.0f | %.1f | %.0f |%n",
          r.rule().label(), r.cpuMs(), r.cpuMs() / fedAvg.cpuMs(), r.medianMs(),
          r.medianMs() / fedAvg.medianMs(), r.acceptMs(), r.fitMs(), r.heldBytes() / 1e6,
          (double) r.heldBytes() / Math.max(1, fedAvg.heldBytes()), r.fitAllocatedBytes() / 1e6));
    }
    return table.toString();
  }
}
