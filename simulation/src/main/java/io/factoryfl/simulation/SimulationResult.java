package io.factoryfl.simulation;

import java.util.List;
import java.util.Map;

/**
 * Everything a simulation run produced, ready to print and to write as files.
 *
 * @param scenario the bundled scenario that ran ({@code ai4i}, {@code cmapss-fd003})
 */
record SimulationResult(
    SimulationConfig config, List<Factory> factories, List<RoundRecord> rounds, String modelHash,
    Score federated, Score centralized, Map<String, Score> localOnly,
    double federationSeconds, double centralizedSeconds, double localSeconds, double totalSeconds,
    String scenario) {

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
