package io.factoryfl.simulation;

import java.util.List;
import java.util.Map;

/**
 * Everything a simulation run produced, ready to print and to write as files.
 *
 * @param factories the plants as their sites were set up: {@link Factory} (tables) or image plants
 * @param scenario the scenario that ran ({@code ai4i}, {@code cmapss-fd003}, {@code secom},
 *     {@code neu-surface})
 * @param description the data and its split in words ({@code summary.json}'s {@code dataset}); for
 *     AI4I the file it read
 */
record SimulationResult(
    SimulationConfig config, List<? extends Plant> factories, List<RoundRecord> rounds, String modelHash,
    Score federated, Score centralized, Map<String, Score> localOnly,
    double federationSeconds, double centralizedSeconds, double localSeconds, double totalSeconds,
    String scenario, String description) {

  /** A bundled table scenario's run, described as that scenario describes its data. */
  SimulationResult(SimulationConfig config, List<Factory> factories, List<RoundRecord> rounds, String modelHash,
      Score federated, Score centralized, Map<String, Score> localOnly, double federationSeconds,
      double centralizedSeconds, double localSeconds, double totalSeconds, String scenario) {
    this(config, factories, rounds, modelHash, federated, centralized, localOnly, federationSeconds,
        centralizedSeconds, localSeconds, totalSeconds, scenario, switch (scenario) {
          case SecomScenario.NAME -> SecomScenario.DESCRIPTION;
          case CmapssScenario.NAME -> CmapssScenario.DESCRIPTION;
          default -> config.dataset() == null ? "ai4i2020.csv (bundled)" : config.dataset().toString();
        });
  }

  /** An AI4I run. */
  SimulationResult(SimulationConfig config, List<Factory> factories, List<RoundRecord> rounds, String modelHash,
      Score federated, Score centralized, Map<String, Score> localOnly, double federationSeconds,
      double centralizedSeconds, double localSeconds, double totalSeconds) {
    this(config, factories, rounds, modelHash, federated, centralized, localOnly, federationSeconds,
        centralizedSeconds, localSeconds, totalSeconds, SimulationMain.AI4I);
  }

  /** The metrics the report shows, in order: the federated score's. */
  List<String> metricNames() {
    return List.copyOf(federated.metrics().keySet());
  }

  double meanLocal(String metric) {
    return localOnly.values().stream().mapToDouble(score -> score.get(metric)).average().orElse(Double.NaN);
  }

  double meanLocalRocAuc() {
    return meanLocal("roc_auc");
  }
}
