package io.factoryfl.simulation;

import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.HelpRequested;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.coordinator.store.CoordinatorStore;
import io.factoryfl.coordinator.store.EmbeddedStore;
import io.factoryfl.coordinator.store.InMemoryStore;
import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.RoundEvent;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code factoryfl bench durability}: what the job store costs a whole federation. Runs the same
 * AI4I job (plain or secure rounds) through a real loopback federation with the coordinator keeping
 * its jobs in memory (nothing survives), in the embedded SQLite store and, given a URL, in
 * PostgreSQL, interleaved in one run, and reports the median time per round (from the coordinator's
 * round_committed events) and its ratio to in-memory. The store's own writes per round are timed
 * by {@code bench store}.
 */
final class DurabilityBench {
  static final String HELP = """
      Usage: factoryfl bench durability [options]
        Times the rounds of one AI4I job through a loopback federation (real gRPC over mutual TLS,
        real DL4J training) with the job store in memory, embedded (SQLite) and PostgreSQL,
        interleaved (each repeat starting with the next store) after one unmeasured warm-up job,
        and reports the median seconds per round and
        the ratio to in-memory.
        --rounds R        rounds per job (default 20)
        --factories N     factories (default 5)
        --repeats K       jobs per store, interleaved (default 2)
        --secure          secure aggregation (default: plain rounds, which isolate the store's cost)
        --postgres URL    also PostgreSQL: postgresql://[user[:password]@]host[:port]/database
        --out FILE        write the table here (default out/bench/durability.md)
      """;

  private DurabilityBench() {}

  static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      Flags flags = Flags.parse("bench durability", args,
          Set.of("--rounds", "--factories", "--repeats", "--postgres", "--out"), Set.of("--secure"));
      int rounds = flags.intValue("--rounds", 20, 1, 10_000);
      int factories = flags.intValue("--factories", 5, 2, 100);
      int repeats = flags.intValue("--repeats", 2, 1, 100);
      Path file = Path.of(flags.get("--out", "out/bench/durability.md"));
      Map<String, Function<Path, CoordinatorStore>> stores = new LinkedHashMap<>();
      stores.put("in-memory", dir -> new InMemoryStore());
      stores.put("embedded (SQLite)", EmbeddedStore::open);
      String postgres = flags.get("--postgres", null);
      if (postgres != null) {
        stores.put("PostgreSQL", dir -> CoordinatorStore.open(postgres, null, dir));
      }
      Map<String, List<Double>> seconds = new LinkedHashMap<>();
      stores.keySet().forEach(name -> seconds.put(name, new ArrayList<>()));
      List<Factory> plants = plants(factories);
      Path work = Files.createTempDirectory("factoryfl-bench-durability");
      // one unmeasured job first: class loading and JIT would otherwise count against the first store
      runJob(plants, Math.min(rounds, 5), flags.has("--secure"), work.resolve("run"), dir -> new InMemoryStore());
      List<Map.Entry<String, Function<Path, CoordinatorStore>>> order = new ArrayList<>(stores.entrySet());
      for (int repeat = 1; repeat <= repeats; repeat++) {
        // each repeat starts with another store, so no store always runs right after the same one
        java.util.Collections.rotate(order, -1);
        for (Map.Entry<String, Function<Path, CoordinatorStore>> store : order) {
          List<Double> job = runJob(plants, rounds, flags.has("--secure"), work.resolve("run"), store.getValue());
          seconds.get(store.getKey()).addAll(job);
          out.printf(Locale.ROOT, "%s, job %d: median %.3f s per round%n", store.getKey(), repeat, median(job));
        }
      }
      String table = table(seconds, rounds, factories, repeats, flags.has("--secure"));
      out.print(table);
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, table);
      out.println("wrote " + file);
      return 0;
    } catch (HelpRequested help) {
      out.print(HELP);
      return 0;
    } catch (UsageException e) {
      err.println(e.command() + ": " + e.getMessage());
      return 2;
    } catch (Exception e) {
      err.println("bench durability failed: " + e.getMessage());
      return 1;
    }
  }

  private static List<Factory> plants(int count) throws Exception {
    try (InputStream in = DurabilityBench.class.getResourceAsStream("/datasets/ai4i2020.csv")) {
      CsvTable table = CsvTable.parse("ai4i2020.csv", new String(in.readAllBytes(), StandardCharsets.UTF_8));
      return Partitioner.split(table, count, SimulationConfig.TYPE, SimulationConfig.PRODUCT_ID,
          SimulationConfig.HOLD_OUT, 7);
    }
  }

  /** One job's round times, in seconds, from its round_committed events. */
  private static List<Double> runJob(List<Factory> plants, int rounds, boolean secure, Path out,
      Function<Path, CoordinatorStore> store) throws Exception {
    SimulationConfig config = new SimulationConfig(plants.size(), rounds, 7, out, null, 1, 64, 0.003,
        List.of(64, 32), 120, List.of(), secure, Map.of(), 0.5);
    List<Double> seconds = new ArrayList<>();
    try (LoopbackFederation federation = LoopbackFederation.start(plants, config, SimulationConfig.DATASET_NAME,
        store)) {
      federation.admin().awaitParticipants(plants.size(), Duration.ofSeconds(60));
      String job = federation.admin().submit(config.jobSpecJson()).getJobId();
      RoundEvent end = federation.admin().watch(job, Duration.ofMinutes(30), event -> {
        if (event.hasCommitted()) {
          seconds.add(event.getCommitted().getSeconds());
        }
      });
      if (end == null || end.getEnded().getState() != JobState.JOB_STATE_SUCCEEDED) {
        throw new IllegalStateException("the benchmark job did not succeed: " + end);
      }
    }
    return seconds;
  }

  private static String table(Map<String, List<Double>> seconds, int rounds, int factories, int repeats,
      boolean secure) {
    StringBuilder text = new StringBuilder(String.format(Locale.ROOT,
        "%d %s rounds x %d jobs per store, %d factories, AI4I MLP 64-32, 1 local epoch%n%n"
            + "| store | median s/round | mean s/round | x in-memory (median) |%n|---|---:|---:|---:|%n",
        rounds, secure ? "secure" : "plain", repeats, factories));
    double base = median(seconds.values().iterator().next());
    seconds.forEach((name, values) -> text.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.2f |%n",
        name, median(values), values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN),
        median(values) / base)));
    return text.toString();
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n == 0 ? Double.NaN : n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
