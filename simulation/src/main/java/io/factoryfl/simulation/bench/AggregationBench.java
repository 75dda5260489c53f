package io.factoryfl.simulation.bench;

import io.factoryfl.core.aggregate.WeightedSumAccumulator;
import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.HelpRequested;
import io.factoryfl.core.cli.UsageException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code factoryfl bench aggregation}: the coordinator's plain FedAvg fold ({@link
 * WeightedSumAccumulator}) against this machine's memory bandwidth, measured in the same run. The
 * bandwidth is {@code System.arraycopy} of a float array larger than any cache (bytes read plus
 * bytes written per second); the fold's traffic is what it must move per parameter: the update's
 * float read once and its 64-bit sum read and written. Both are medians of repeated runs, so the
 * ratio says how close the fold comes to what the memory allows.
 */
public final class AggregationBench {
  private static final String COMMAND = "bench aggregation";
  /** Bytes the fold moves per parameter: a float read, a long read and written. */
  static final int FOLD_BYTES_PER_PARAMETER = Float.BYTES + 2 * Long.BYTES;
  private static final String HELP = """
      Usage: factoryfl bench aggregation [options]
        Plain FedAvg aggregation throughput against the machine's memory bandwidth, in one run.
        --parameters N   model size (default 25000000, 100 MB of float32)
        --repeats R      runs of each measurement; the median is reported (default 7)
        --out FILE       the report (default out/bench/aggregation.md)
      """;

  private AggregationBench() {}

  /** Runs the benchmark; returns the exit status (0 done, 1 failed, 2 usage). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      Flags flags = Flags.parse(COMMAND, args, Set.of("--parameters", "--repeats", "--out"), Set.of());
      int parameters = flags.intValue("--parameters", 25_000_000, 1_000_000, 200_000_000);
      int repeats = flags.intValue("--repeats", 7, 1, 100);
      Path file = Path.of(flags.get("--out", "out/bench/aggregation.md"));
      String report = measure(parameters, repeats);
      BenchReport.publish(report, file, out);
      return 0;
    } catch (HelpRequested help) {
      out.print(HELP);
      return 0;
    } catch (UsageException e) {
      err.println(e.command() + ": " + e.getMessage());
      err.println("Run 'factoryfl bench aggregation --help' for usage.");
      return 2;
    } catch (Exception e) {
      err.println(COMMAND + " failed: " + e.getMessage());
      return 1;
    }
  }

  static String measure(int parameters, int repeats) {
    float[] update = new float[parameters];
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < parameters; i++) {
      update[i] = (float) (random.nextDouble() - 0.5);
    }
    float[] copy = new float[parameters];
    WeightedSumAccumulator sums = new WeightedSumAccumulator(parameters);
    // Warm up both paths (JIT) before timing.
    System.arraycopy(update, 0, copy, 0, parameters);
    sums.add(update, 100);
    double[] copySeconds = new double[repeats];
    double[] foldSeconds = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      long started = System.nanoTime();
      System.arraycopy(update, 0, copy, 0, parameters);
      copySeconds[r] = (System.nanoTime() - started) / 1e9;
      started = System.nanoTime();
      sums.add(update, 100);
      foldSeconds[r] = (System.nanoTime() - started) / 1e9;
    }
    double copy50 = median(copySeconds);
    double fold50 = median(foldSeconds);
    double bandwidth = 2.0 * parameters * Float.BYTES / copy50;
    double foldBytes = (double) parameters * FOLD_BYTES_PER_PARAMETER / fold50;
    return String.format(Locale.ROOT, """
        Plain FedAvg fold (WeightedSumAccumulator.add, one update of %,d parameters) against memory
        bandwidth (System.arraycopy of %,d MB), medians of %d runs each, interleaved:

        | measurement | median time | throughput |
        |---|---:|---:|
        | memory bandwidth (copy: read + write) | %.1f ms | %.2f GB/s |
        | FedAvg fold | %.1f ms | %.1f M parameters/s = %.2f GB/s moved (%d bytes/parameter) |
        | fold / bandwidth | | %.2f |
        """, parameters, (long) parameters * Float.BYTES / 1_000_000, repeats, copy50 * 1e3, bandwidth / 1e9,
        fold50 * 1e3, parameters / fold50 / 1e6, foldBytes / 1e9, FOLD_BYTES_PER_PARAMETER, foldBytes / bandwidth);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
