package io.factoryfl.simulation.bench;

import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.HelpRequested;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.secagg.SecAggParameters;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;

/**
 * {@code factoryfl bench secagg}: one SecAgg+ round of N participants in this process, through the
 * real participant and coordinator code, printed as one JSON line (and appended to {@code --out}).
 * Exit status 0 when the round completed and its result matched the plain weighted mean, 1 when it
 * aborted or did not match, 2 for a usage mistake.
 */
public final class SecAggBench {
  static final String COMMAND = "bench secagg";
  static final String HELP = """
      Usage: factoryfl bench secagg [options]
        Runs one secure-aggregation (SecAgg+) round of N participants in this process through the
        real participant and coordinator code and prints one JSON line: participants, dim, dropout,
        neighbours, threshold, client_ms (median over surviving participants of one participant's
        compute), coordinator_ms (all coordinator calls, dropout recovery included), plain_ms (the
        plain weighted sum of the same vectors). The unmasked result is checked against the plain
        weighted mean within the documented quantisation bound.
        --participants N  cohort size (default 100)
        --dim D           update length (default 100000; one more value carries the example count)
        --dropout F       fraction of participants that drop after sharing keys, before sending
                          their masked input (default 0; from 0 to below 1)
        --neighbours K    neighbours per participant (default: k of the default threat model, 10%
                          colluding and 30% dropout; see docs/secure-aggregation.md); K = N-1 is
                          classic SecAgg
        --threshold T     Shamir threshold (default floor(K/2)+1 with --neighbours, else the default
                          threat model's t; must exceed K/2 and be at least 2)
        --seed S          seed for inputs and dropouts (default 1); the graph follows from the
                          round's fresh keys, as in a deployment
        --warmup R        unmeasured warm-up rounds on a smaller cohort first (default 1)
        --threads P       coordinator threads for dropout recovery (default: available cores)
        --out FILE        also append the JSON line to FILE
      """;

  private SecAggBench() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the benchmark; returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      Flags flags = Flags.parse(COMMAND, args, Set.of("--participants", "--dim", "--dropout", "--neighbours",
          "--threshold", "--seed", "--warmup", "--threads", "--out"), Set.of());
      List<String> positional = flags.positional();
      if (!positional.isEmpty() && !(positional.size() == 1 && positional.get(0).equals("secagg"))) {
        throw new UsageException(COMMAND, "unexpected argument '" + positional.get(positional.size() - 1) + "'");
      }
      SecAggBenchRound.Config config = config(flags);
      int warmup = flags.intValue("--warmup", 1, 0, 100);
      Path outFile = flags.has("--out") ? Path.of(flags.required("--out")) : null;

      SecAggBenchRound bench = new SecAggBenchRound(System::nanoTime, new SecureRandom());
      for (int round = 0; round < warmup; round++) {
        bench.run(warmupConfig(config), round);
      }
      SecAggBenchResult result = bench.run(config, warmup);
      String line = result.toJson();
      out.println(line);
      if (outFile != null) {
        append(outFile, line);
      }
      if (!result.completed()) {
        err.println(COMMAND + ": the round aborted: " + result.reason());
        return 1;
      }
      return 0;
    } catch (HelpRequested help) {
      out.print(HELP);
      return 0;
    } catch (UsageException e) {
      err.println(e.command() + ": " + e.getMessage());
      err.println("Run 'factoryfl bench secagg --help' for usage.");
      return 2;
    } catch (IllegalStateException | IOException e) {
      err.println(COMMAND + " failed: " + e.getMessage());
      return 1;
    }
  }

  private static SecAggBenchRound.Config config(Flags flags) throws UsageException {
    int participants = flags.intValue("--participants", 100, 3, 100_000);
    int dim = flags.intValue("--dim", 100_000, 1, 100_000_000);
    double dropout = fraction(flags, "--dropout");
    Integer neighbours = flags.has("--neighbours") ? flags.intValue("--neighbours", 0, 1, participants - 1) : null;
    // A bench measures cost: with K given, the majority threshold of earlier figures keeps them
    // comparable (sites with the default policy would ask for more; see docs/secure-aggregation.md).
    Integer threshold = null;
    if (flags.has("--threshold")) {
      threshold = flags.intValue("--threshold", 0, 1, participants - 1);
    } else if (neighbours != null) {
      threshold = neighbours / 2 + 1;
    }
    int threads = flags.intValue("--threads", Runtime.getRuntime().availableProcessors(), 1, 1024);
    try {
      SecAggParameters.of(participants, neighbours, threshold, SecAggBenchRound.CLIP,
          SecAggParameters.defaultBits(participants));
    } catch (IllegalArgumentException e) {
      throw new UsageException(COMMAND, e.getMessage());
    }
    return new SecAggBenchRound.Config(participants, dim, dropout, neighbours, threshold,
        flags.longValue("--seed", 1), threads);
  }

  /** A smaller round of the same shape, to compile the hot paths before measuring. */
  private static SecAggBenchRound.Config warmupConfig(SecAggBenchRound.Config config) {
    int n = Math.min(config.participants(), 40);
    return new SecAggBenchRound.Config(n, Math.min(config.dim(), 20_000), Math.min(config.dropout(), 0.2),
        null, null, config.seed() + 1, config.parallelism());
  }

  private static double fraction(Flags flags, String flag) throws UsageException {
    String value = flags.get(flag, "0");
    try {
      double parsed = Double.parseDouble(value.strip());
      if (parsed >= 0 && parsed < 1) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException(COMMAND, "invalid " + flag + " '" + value + "': expected a fraction from 0 to below 1");
  }

  private static void append(Path file, String line) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, line + System.lineSeparator(), StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }
}
