package io.factoryfl.simulation;

import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.HelpRequested;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.core.job.ServerOptimizerSpec;
import io.factoryfl.core.job.ServerOptimizerSpec.Algorithm;
import io.factoryfl.core.ops.LogFormat;
import io.factoryfl.core.ops.Logging;
import io.factoryfl.simulation.datasets.NeuSurface;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code factoryfl simulate}: a whole federation of factories on this machine. */
public final class SimulationMain {
  static final String HELP = """
      Usage: factoryfl simulate [options]
        Runs a federation of simulated factories through the real coordinator and participant
        code over loopback gRPC with mutual TLS 1.3, then compares the federated model with a
        centralized one (pooled data) and with each factory trained alone.
        --scenario NAME   ai4i (default): machine-failure classification on AI4I 2020;
                          cmapss-fd003: remaining-useful-life regression on NASA C-MAPSS FD003
                          sensor sequences (windows of 30 cycles, 4 plants from plants.csv,
                          test engines scored on their last cycle, RUL clipped at 125;
                          defaults 8 rounds, 1 local epoch), reported in RMSE, MAE and R2;
                          secom: pass/fail on UCI SECOM over 4 production periods, missing
                          cells imputed with the federated mean (defaults 20 rounds, 2 epochs);
                          neu-surface: six-class defect images (NEU, not bundled: --data DIR,
                          default ../shared/data/neu-surface-defects), 4 plants, images read in
                          place and resized to 32 x 32, a cnn; accuracy, macro-F1 and recall per
                          class (defaults 24 rounds, 1 epoch);
                          mnist: McMahan et al. 2017's 2NN on MNIST (not bundled: scripts/fetch-mnist.sh,
                          --data DIR, default ~/.cache/factoryfl/mnist), 100 clients, C=0.1, E=1,
                          B=10, plain SGD and FedAvg; rounds to 97% test accuracy (stops there)
        --split NAME      neu-surface: acq-block (default; acquisition blocks, brightness drift)
                          or label-skew (Dirichlet 0.5 over the classes); mnist: iid (default) or
                          non-iid (sorted by digit, 200 shards of 300, 2 per client)
        --batch-norm M    neu-surface: the cnn's batch normalisation, aggregate (default),
                          local (FedBN: each plant keeps its own; the federated score is then
                          the sites' own evaluation, each plant with its normalisation) or none
        --factories N     number of factories, up to 10000 (default 5; ai4i only). AI4I has
                          room for 1000 (10 rows each); beyond that, factories are twins
                          of the first 1000 (same rows, own site and certificate). Above
                          100 factories the local-only yardstick trains 100, spread evenly
        --rounds R        federated rounds (default: ai4i 80)
        --seed S          seed for partitioning, initialisation and training (default 7)
        --out DIR         where summary.json, rounds.csv, global-model.zip and the sites'
                          directories go (default out/simulate)
        --local-epochs E  local epochs per round (default: ai4i 1); every model gets R x E epochs
        --learning-rate LR  the sites' Adam learning rate, also the centralized and local-only
                          models' (defaults: ai4i 0.003, cmapss-fd003 0.002, secom 0.001,
                          neu-surface 0.001; mnist 0.1, plain SGD)
        --batch-size B    minibatch size of every model (defaults: ai4i and cmapss-fd003 64,
                          secom and neu-surface 32)
        --data FILE       a CSV with the AI4I 2020 columns instead of the bundled dataset (ai4i);
                          the NEU folder (labels.csv and images/) for neu-surface
        --no-secagg       plain FedAvg: the coordinator sees each update (secure aggregation,
                          SecAgg+, is on by default)
        --round-deadline SECONDS
                          stragglers later than this are dropped from the round (default
                          120, plus 1 s per 5 factories: one machine works them all off)
        --faults LIST     faults on demand, comma-separated: crash:FACTORY@ROUND[:SECONDS]
                          (node goes dark, optionally back after SECONDS), slow:FACTORY@ROUND
                          (finishes after the round deadline); e.g. crash:factory-2@3,slow:factory-4@5
        --server-momentum B
                          FedAvgM: server-side momentum B in [0, 1) (default 0.5, the job
                          spec's default strategy; 0 is plain FedAvg)
        --server-optimizer NAME[:LR]
                          adaptive server optimiser (Reddi et al. 2021): adam, yogi or adagrad,
                          with server learning rate LR (defaults: adam 0.1, yogi 0.01,
                          adagrad 0.1); e.g. adam:0.03. Not with --server-momentum
        --positive-weight W  binary scenarios: the failure class's weight in the loss
                          (training.class_weights; default 1, unweighted)
        --proximal-mu MU  FedProx: each site pulls its weights towards the round's global
                          model after every local step (default 0, none); e.g. 0.01
        --policy FACTORY=FILE[,FACTORY=FILE...]
                          give a factory a site policy file (see README "Site policy")
        --metrics-port N  serve the coordinator's /metrics (Prometheus), /healthz and /readyz on
                          http://127.0.0.1:N while the federation runs (default 0: off)
        --processes       run each factory's participant as its own OS process (the participant
                          binary, started from its site directory under --out/sites, dialling the
                          coordinator over mutual TLS; its output in participant.log there);
                          crash faults are then a SIGKILL of the process (SECONDS: started again);
                          slow faults need the in-process participants
        --process-heap SIZE  each participant process's heap with --processes (default 512m)
      """;

  /** The default scenario; {@value CmapssScenario#NAME} is the other. */
  static final String AI4I = "ai4i";
  /**
   * AI4I's budget: 80 rounds of 1 local epoch (every model gets 80 epochs). More, shorter rounds
   * close the PR-AUC gap to pooled training that 20 rounds of 2 epochs leave (docs/results.md).
   */
  static final int AI4I_ROUNDS = 80;
  static final int AI4I_LOCAL_EPOCHS = 1;

  private SimulationMain() {}

  /** {@code simulate [options]} or {@code bench secagg|robust|store [options]}; bare options mean simulate. */
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("bench")) {
      String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
      java.util.Set<String> benches = java.util.Set.of("secagg", "robust", "store", "durability", "large-model",
          "idle-sites", "aggregation");
      if (rest.length == 0 || !benches.contains(rest[0])) {
        boolean help = rest.length > 0 && (rest[0].equals("--help") || rest[0].equals("-h"));
        (help ? System.out : System.err).println("Usage: factoryfl bench secagg|robust|store|durability|large-model|idle-sites|aggregation [options]"
            + "   ('factoryfl bench NAME --help' for its options)");
        System.exit(help ? 0 : 2);
      }
      String[] options = java.util.Arrays.copyOfRange(rest, 1, rest.length);
      System.exit(switch (rest[0]) {
        case "robust" -> io.factoryfl.simulation.bench.RobustBench.run(options, System.out, System.err);
        case "store" -> io.factoryfl.simulation.bench.StoreBench.run(options, System.out, System.err);
        case "durability" -> DurabilityBench.run(options, System.out, System.err);
        case "large-model" -> io.factoryfl.simulation.bench.LargeModelBench.run(options, System.out, System.err);
        case "idle-sites" -> io.factoryfl.simulation.bench.IdleSitesBench.run(options, System.out, System.err);
        case "aggregation" -> io.factoryfl.simulation.bench.AggregationBench.run(options, System.out, System.err);
        default -> io.factoryfl.simulation.bench.SecAggBench.run(options, System.out, System.err);
      });
    }
    if (args.length > 0 && args[0].equals("simulate")) {
      args = java.util.Arrays.copyOfRange(args, 1, args.length);
    }
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    quietLogs();
    try {
      Flags flags = Flags.parse("simulate", args,
          Set.of("--factories", "--rounds", "--seed", "--out", "--local-epochs", "--data",
              "--round-deadline", "--faults", "--policy", "--server-momentum", "--server-optimizer",
              "--proximal-mu", "--scenario", "--positive-weight", "--learning-rate", "--batch-size", "--metrics-port",
              "--split", "--batch-norm", "--process-heap"),
              Set.of("--no-secagg", "--processes"));
      if (!flags.positional().isEmpty()) {
        throw new UsageException("simulate", "unexpected argument '" + flags.positional().get(0) + "'");
      }
      String scenario = flags.get("--scenario", AI4I);
      boolean cmapss = scenario.equals(CmapssScenario.NAME);
      boolean secom = scenario.equals(SecomScenario.NAME);
      boolean neu = scenario.equals(NeuSurfaceScenario.NAME);
      boolean mnist = scenario.equals(MnistScenario.NAME);
      if (!cmapss && !secom && !neu && !mnist && !scenario.equals(AI4I)) {
        throw new UsageException("simulate", "unknown --scenario '" + scenario + "': expected " + AI4I + ", "
            + CmapssScenario.NAME + ", " + SecomScenario.NAME + ", " + NeuSurfaceScenario.NAME + " or "
            + MnistScenario.NAME);
      }
      if (neu) {
        return runNeu(flags, out);
      }
      if (mnist) {
        return MnistOptions.run(flags, out);
      }
      if (flags.has("--split") || flags.has("--batch-norm")) {
        throw new UsageException("simulate", (flags.has("--split") ? "--split chooses the NEU plants"
            : "--batch-norm sets the cnn's batch normalisation") + "; it is for --scenario "
            + NeuSurfaceScenario.NAME + " only");
      }
      Path data = flags.has("--data") ? Path.of(flags.get("--data", null)) : null;
      if (data != null && !Files.isReadable(data)) {
        throw new UsageException("simulate", "--data " + data + " does not exist or is not readable");
      }
      if ((cmapss || secom) && (data != null || flags.has("--factories"))) {
        throw new UsageException("simulate", "--scenario " + scenario + " uses the bundled data and its"
            + " plants.csv (4 plants); drop --data and --factories");
      }
      int factories = cmapss || secom ? 4 : flags.intValue("--factories", 5, 1, Partitioner.MAX_FACTORIES);
      SimulationConfig config = new SimulationConfig(
          factories,
          flags.intValue("--rounds", cmapss ? CmapssScenario.ROUNDS : secom ? SecomScenario.ROUNDS : AI4I_ROUNDS, 1,
              10_000),
          flags.longValue("--seed", 7), Path.of(flags.get("--out", "out/simulate")), data,
          flags.intValue("--local-epochs", cmapss ? CmapssScenario.LOCAL_EPOCHS
              : secom ? SecomScenario.LOCAL_EPOCHS : AI4I_LOCAL_EPOCHS, 1, 1000),
          flags.intValue("--batch-size", cmapss ? CmapssScenario.BATCH_SIZE : secom ? SecomScenario.BATCH_SIZE : 64,
              1, 65_536),
          learningRate(flags, cmapss ? CmapssScenario.LEARNING_RATE : secom ? SecomScenario.LEARNING_RATE : 0.003),
          cmapss ? CmapssScenario.HIDDEN : secom ? SecomScenario.HIDDEN : List.of(64, 32),
          flags.intValue("--round-deadline", cmapss ? 600 : 120 + factories / 5, 1, 86_400), faults(flags),
          !flags.has("--no-secagg"),
          policies(flags), momentum(flags), serverOptimizer(flags), proximalMu(flags), positiveWeight(flags, cmapss),
          flags.intValue("--metrics-port", 0, 0, 65535)).withProcesses(processes(flags));
      SimulationResult result = cmapss ? new CmapssScenario(config, out).run()
          : secom ? new SecomScenario(config, out).run() : new SimulationRunner(config, out).run();
      return report(result, out);
    } catch (HelpRequested help) {
      out.print(HELP);
      return 0;
    } catch (UsageException e) {
      err.println(e.command() + ": " + e.getMessage());
      err.println("Run 'factoryfl simulate --help' for usage.");
      return 2;
    } catch (Exception e) {
      // Messages name the file, field or stage; a stack trace would only bury them.
      err.println("simulation failed: " + e.getMessage());
      return 1;
    }
  }

  private static int report(SimulationResult result, PrintStream out) throws java.io.IOException {
    SimulationReport.write(result, result.config().out());
    SimulationReport.print(result, out);
    out.println("wrote " + result.config().out().resolve("summary.json") + ", rounds.csv and global-model.zip");
    return 0;
  }

  /**
   * {@code --scenario neu-surface}: the NEU folder from {@code --data} (default {@link
   * NeuSurface#DEFAULT_FOLDER}), refused with where to get the images when it has no labels.csv.
   */
  private static int runNeu(Flags flags, PrintStream out) throws Exception {
    if (flags.has("--factories") || flags.has("--positive-weight")) {
      throw new UsageException("simulate", "--scenario " + NeuSurfaceScenario.NAME + " has the 4 plants of"
          + " labels.csv and six classes; drop --factories and --positive-weight");
    }
    Path data = Path.of(flags.get("--data", NeuSurface.DEFAULT_FOLDER.toString()));
    if (!Files.isRegularFile(data.resolve("labels.csv"))) {
      throw new UsageException("simulate", "the NEU surface-defect images were not found at "
          + data.toAbsolutePath().normalize() + " (no labels.csv there); they are not part of FactoryFL: get "
          + NeuSurface.WHERE_TO_GET + " and pass their folder with --data DIR");
    }
    String splitName = flags.get("--split", NeuSurface.Split.ACQUISITION_BLOCK.key());
    NeuSurface.Split split = NeuSurface.Split.of(splitName);
    if (split == null) {
      throw new UsageException("simulate", "unknown --split '" + splitName + "': expected "
          + NeuSurface.Split.ACQUISITION_BLOCK.key() + " or " + NeuSurface.Split.LABEL_SKEW.key());
    }
    SimulationConfig config = new SimulationConfig(4,
        flags.intValue("--rounds", NeuSurfaceScenario.ROUNDS, 1, 10_000),
        flags.longValue("--seed", 7), Path.of(flags.get("--out", "out/simulate")), data,
        flags.intValue("--local-epochs", NeuSurfaceScenario.LOCAL_EPOCHS, 1, 1000),
        flags.intValue("--batch-size", NeuSurfaceScenario.BATCH_SIZE, 1, 65_536),
        learningRate(flags, NeuSurfaceScenario.LEARNING_RATE), NeuSurfaceScenario.HIDDEN,
        flags.intValue("--round-deadline", 600, 1, 86_400), faults(flags), !flags.has("--no-secagg"),
        policies(flags), momentum(flags), serverOptimizer(flags), proximalMu(flags), 1,
        flags.intValue("--metrics-port", 0, 0, 65535)).withProcesses(processes(flags));
    String mode = flags.get("--batch-norm", NeuSurfaceScenario.BATCH_NORM.key());
    io.factoryfl.core.job.ModelSpec.BatchNorm batchNorm = io.factoryfl.core.job.ModelSpec.BatchNorm.byKey(mode)
        .orElseThrow(() -> new UsageException("simulate", "--batch-norm was '" + mode
            + "'; expected aggregate, local (FedBN) or none"));
    return report(new NeuSurfaceScenario(config, split, batchNorm, out).run(), out);
  }

  private static List<Fault> faults(Flags flags) throws UsageException {
    try {
      return Fault.parseAll(flags.get("--faults", ""));
    } catch (IllegalArgumentException e) {
      throw new UsageException("simulate", "--faults: " + e.getMessage());
    }
  }

  /** {@code --processes [--process-heap SIZE]}, or null for participants as threads of the simulator. */
  private static ParticipantProcesses processes(Flags flags) throws UsageException {
    if (!flags.has("--processes")) {
      if (flags.has("--process-heap")) {
        throw new UsageException("simulate", "--process-heap sizes the participant processes; add --processes");
      }
      return null;
    }
    try {
      ParticipantProcesses processes = ParticipantProcesses.parse(
          flags.get("--process-heap", ParticipantProcesses.DEFAULT_HEAP_MEGABYTES + "m"));
      ParticipantProcesses.checkFaults(faults(flags));
      return processes;
    } catch (IllegalArgumentException e) {
      throw new UsageException("simulate", e.getMessage());
    }
  }

  private static double learningRate(Flags flags, double defaultRate) throws UsageException {
    String text = flags.get("--learning-rate", Double.toString(defaultRate));
    try {
      double value = Double.parseDouble(text);
      if (value > 0 && value <= 1) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException("simulate", "invalid --learning-rate '" + text
        + "': expected a number in (0, 1], e.g. 0.003");
  }

  /** {@code --server-momentum B}; absent, the job spec's default, or 0 with a server optimiser. */
  private static double momentum(Flags flags) throws UsageException {
    if (!flags.has("--server-momentum")) {
      return flags.has("--server-optimizer") ? 0 : JobSpec.DEFAULT_SERVER_MOMENTUM;
    }
    String text = flags.get("--server-momentum", "0");
    try {
      double value = Double.parseDouble(text);
      if (value >= 0 && value < 1) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException("simulate", "invalid --server-momentum '" + text
        + "': expected a number from 0 up to, not including, 1");
  }

  /** {@code --server-optimizer NAME[:LR]}, or null when absent. */
  private static ServerOptimizerSpec serverOptimizer(Flags flags) throws UsageException {
    if (!flags.has("--server-optimizer")) {
      return null;
    }
    String text = flags.get("--server-optimizer", "");
    if (flags.has("--server-momentum") && momentum(flags) > 0) {
      throw new UsageException("simulate", "--server-optimizer " + text + " cannot be combined with"
          + " --server-momentum: both decide the server's step; choose one");
    }
    String[] parts = text.split(":", 2);
    Algorithm algorithm = null;
    for (Algorithm candidate : Algorithm.values()) {
      if (candidate.key().equals(parts[0].strip())) {
        algorithm = candidate;
      }
    }
    if (algorithm == null) {
      throw new UsageException("simulate", "invalid --server-optimizer '" + text
          + "': expected adam, yogi or adagrad, optionally with :LR, e.g. adam:0.03");
    }
    if (parts.length == 1) {
      return algorithm.defaults();
    }
    try {
      double eta = Double.parseDouble(parts[1].strip());
      if (eta > 0 && eta <= 10) {
        return algorithm.defaults().withLearningRate(eta);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException("simulate", "invalid --server-optimizer '" + text
        + "': the server learning rate after ':' must be a number in (0, 10], e.g. adam:0.03");
  }

  /** {@code --positive-weight W}: the failure class's loss weight in a binary scenario (default 1). */
  private static double positiveWeight(Flags flags, boolean regression) throws UsageException {
    if (!flags.has("--positive-weight")) {
      return 1;
    }
    if (regression) {
      throw new UsageException("simulate", "--positive-weight weights a class; the cmapss-fd003 scenario is a"
          + " regression");
    }
    String text = flags.get("--positive-weight", "1");
    double weight;
    try {
      weight = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      weight = Double.NaN;
    }
    if (!(weight > 0 && weight <= 1e6)) {
      throw new UsageException("simulate", "--positive-weight was '" + text + "'; it must be a number in (0, 1e6]");
    }
    return weight;
  }

  private static double proximalMu(Flags flags) throws UsageException {
    String text = flags.get("--proximal-mu", "0");
    try {
      double value = Double.parseDouble(text);
      if (value >= 0 && value <= JobSpecParser.MAX_PROXIMAL_MU) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException("simulate", "invalid --proximal-mu '" + text
        + "': expected a number from 0 (none) to " + JobSpecParser.MAX_PROXIMAL_MU + ", e.g. 0.01");
  }

  private static java.util.Map<String, Path> policies(Flags flags) throws UsageException {
    java.util.Map<String, Path> policies = new java.util.HashMap<>();
    String text = flags.get("--policy", "");
    if (text.isBlank()) {
      return policies;
    }
    for (String part : text.split(",")) {
      String[] pair = part.split("=", 2);
      if (pair.length != 2 || pair[0].isBlank() || !Files.isReadable(Path.of(pair[1]))) {
        throw new UsageException("simulate", "--policy: '" + part
            + "' must be FACTORY=FILE with a readable FILE, e.g. factory-3=night-shift.json");
      }
      policies.put(pair[0].strip(), Path.of(pair[1].strip()));
    }
    return policies;
  }

  /** Keeps the terminal for the progress lines; warnings and errors still show. */
  private static void quietLogs() {
    Logging.configure(LogFormat.TEXT, "warn");
  }
}
