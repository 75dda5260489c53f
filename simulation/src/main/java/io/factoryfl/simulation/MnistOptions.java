package io.factoryfl.simulation;

import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.simulation.datasets.Mnist;
import io.factoryfl.simulation.datasets.MnistPartition;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code simulate --scenario mnist}'s options: the split, the round cap, the learning rate, secure
 * aggregation and where things are. The paper's settings (clients, C, E, B, the 2NN, plain FedAvg)
 * are the experiment, so the flags that would change them are refused.
 */
final class MnistOptions {
  private static final List<String> REFUSED = List.of("--factories", "--local-epochs", "--batch-size",
      "--server-momentum", "--server-optimizer", "--proximal-mu", "--positive-weight", "--batch-norm", "--policy");

  private MnistOptions() {}

  static int run(Flags flags, PrintStream out) throws Exception {
    for (String flag : REFUSED) {
      if (flags.has(flag)) {
        throw new UsageException("simulate", flag + " does not apply to --scenario " + MnistScenario.NAME
            + ": it reproduces McMahan et al. 2017's setting (100 clients, C=0.1, E=1, B=10, the 2NN, plain SGD"
            + " and FedAvg); drop " + flag);
      }
    }
    Path data = Path.of(flags.get("--data", Mnist.DEFAULT_FOLDER.toString()));
    if (!Mnist.present(data)) {
      throw new UsageException("simulate", "MNIST was not found at " + data.toAbsolutePath().normalize()
          + " (its four IDX files); it is not part of FactoryFL: " + Mnist.WHERE_TO_GET);
    }
    String splitName = flags.get("--split", MnistPartition.Kind.IID.key());
    MnistPartition.Kind split = MnistPartition.Kind.byKey(splitName).orElseThrow(() -> new UsageException(
        "simulate", "unknown --split '" + splitName + "' for --scenario mnist: expected iid or non-iid"));
    String rateText = flags.get("--learning-rate", Double.toString(MnistScenario.LEARNING_RATE));
    double rate;
    try {
      rate = Double.parseDouble(rateText);
    } catch (NumberFormatException e) {
      rate = Double.NaN;
    }
    if (!(rate > 0 && rate <= 10)) {
      throw new UsageException("simulate", "invalid --learning-rate '" + rateText + "': expected a number in"
          + " (0, 10], e.g. " + MnistScenario.LEARNING_RATE);
    }
    int cap = split == MnistPartition.Kind.IID ? MnistScenario.IID_ROUNDS : MnistScenario.NON_IID_ROUNDS;
    List<Fault> faults;
    try {
      faults = Fault.parseAll(flags.get("--faults", ""));
    } catch (IllegalArgumentException e) {
      throw new UsageException("simulate", "--faults: " + e.getMessage());
    }
    SimulationConfig config = new SimulationConfig(MnistScenario.CLIENTS, flags.intValue("--rounds", cap, 1, 10_000),
        flags.longValue("--seed", 7), Path.of(flags.get("--out", "out/simulate")), data, MnistScenario.LOCAL_EPOCHS,
        MnistScenario.BATCH_SIZE, rate, MnistScenario.HIDDEN, flags.intValue("--round-deadline", 300, 1, 86_400),
        faults, !flags.has("--no-secagg"), Map.of(), 0, null, 0, 1, flags.intValue("--metrics-port", 0, 0, 65535));
    return new MnistScenario(config, split, out).run();
  }
}
