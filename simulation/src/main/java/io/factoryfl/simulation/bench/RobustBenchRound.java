package io.factoryfl.simulation.bench;

import io.factoryfl.coordinator.strategy.Aggregation;
import io.factoryfl.coordinator.strategy.FedAvg;
import io.factoryfl.coordinator.strategy.FitOutcome;
import io.factoryfl.coordinator.strategy.FitResult;
import io.factoryfl.coordinator.strategy.RobustStrategies;
import io.factoryfl.coordinator.strategy.Strategy;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/** Measures plain rounds through the coordinator's strategies; see {@link RobustBench}. */
final class RobustBenchRound {
  /** A rule under test: its label and its robust_aggregation block (null for plain FedAvg). */
  record Rule(String label, String robustJson) {}

  /**
   * One rule's figures: wall-clock and this thread's CPU times in ms (medians over repeats), bytes
   * from the last repeat. Every rule runs on one thread, so on a shared machine the CPU time is
   * the steadier measure of its cost.
   */
  record Result(Rule rule, double medianMs, double cpuMs, double acceptMs, double fitMs,
      long heldBytes, long fitAllocatedBytes) {}

  private final LongSupplier nanoTime;
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

  RobustBenchRound(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** FedAvg first (the yardstick), then each defence, with f = max(1, N / 10). */
  static List<Rule> rules(int participants) {
    int f = Math.max(1, participants / 10);
    double trim = (double) f / participants;
    return List.of(
        new Rule("fedavg", null),
        new Rule("fedavg + clip_norm", "{\"clip_norm\": 1.0}"),
        new Rule("median", "{\"rule\": \"median\", \"byzantine\": " + f + "}"),
        new Rule("trimmed_mean (f=" + f + ")", String.format(Locale.ROOT,
            "{\"rule\": \"trimmed_mean\", \"byzantine\": %d, \"trim_fraction\": %.6f}", f, trim + 1e-6)),
        new Rule("multi_krum (f=" + f + ")", "{\"rule\": \"multi_krum\", \"byzantine\": " + f + "}"));
  }

  Result measure(Rule rule, int participants, int dim, int repeats, long seed) {
    JobSpec spec = JobSpecParser.parse(String.format(Locale.ROOT, """
        {"name": "bench", "model": {"template": "mlp", "hidden_layers": [2]},
         "dataset": {"name": "d", "numeric_features": ["x"], "label": "y"},
         "participants": {"min": %d, "max": %d}, "secure_aggregation": {"enabled": false}%s}""",
        participants, participants,
        rule.robustJson() == null ? "" : ", \"robust_aggregation\": " + rule.robustJson()));
    Strategy strategy = RobustStrategies.wrap(new FedAvg(spec, spec.task().family(spec.schema(), 10)), spec, dim);
    float[] base = new float[dim];
    SplittableRandom baseRandom = new SplittableRandom(seed);
    for (int i = 0; i < dim; i++) {
      base[i] = baseRandom.nextFloat() - 0.5f;
    }
    double[] totals = new double[repeats];
    double[] cpus = new double[repeats];
    double[] accepts = new double[repeats];
    double[] fits = new double[repeats];
    long held = 0;
    long allocated = 0;
    for (int repeat = 0; repeat < repeats; repeat++) {
      long before = heapAfterGc();
      Aggregation aggregation = strategy.beginFit(1, base);
      List<FitResult> results = new ArrayList<>();
      long acceptNanos = 0;
      long cpuNanos = 0;
      for (int j = 0; j < participants; j++) {
        float[] update = update(base, seed, j);
        long cpuStart = cpuTime();
        long start = nanoTime.getAsLong();
        aggregation.accept(update, 100 + j);
        acceptNanos += nanoTime.getAsLong() - start;
        cpuNanos += cpuTime() - cpuStart;
        results.add(new FitResult("site-" + j, 100 + j, Map.of("train_loss", 0.1)));
      }
      held = heapAfterGc() - before;
      long allocatedBefore = allocatedBytes();
      long cpuStart = cpuTime();
      long start = nanoTime.getAsLong();
      FitOutcome outcome = strategy.aggregateFit(1, base, aggregation, results, List.of());
      long fitNanos = nanoTime.getAsLong() - start;
      cpuNanos += cpuTime() - cpuStart;
      allocated = allocatedBytes() - allocatedBefore;
      if (!outcome.isCommitted()) {
        throw new IllegalStateException(rule.label() + " did not commit: " + outcome.rejection());
      }
      accepts[repeat] = acceptNanos / 1e6;
      fits[repeat] = fitNanos / 1e6;
      totals[repeat] = (acceptNanos + fitNanos) / 1e6;
      cpus[repeat] = cpuNanos / 1e6;
    }
    return new Result(rule, median(totals), median(cpus), median(accepts), median(fits),
        Math.max(0, held), allocated);
  }

  /**
   * Update j: the base plus small uniform noise, except every 10th, which is scaled far out (so
   * clipping and the robust rules have something to do).
   */
  private static float[] update(float[] base, long seed, int j) {
    SplittableRandom random = new SplittableRandom(seed * 1_000_003L + j);
    float scale = j % 10 == 9 ? 50f : 0.01f;
    float[] update = new float[base.length];
    for (int i = 0; i < update.length; i++) {
      update[i] = base[i] + (random.nextFloat() - 0.5f) * scale;
    }
    return update;
  }

  /** This thread's CPU time in ns, or 0 where the JVM cannot measure it. */
  private static long cpuTime() {
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    return threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : 0;
  }

  private long heapAfterGc() {
    System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** Bytes this thread has allocated so far (HotSpot), or 0 where that is not measurable. */
  private static long allocatedBytes() {
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean hotspot
        && hotspot.isThreadAllocatedMemorySupported()) {
      return hotspot.getThreadAllocatedBytes(Thread.currentThread().getId());
    }
    return 0;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
