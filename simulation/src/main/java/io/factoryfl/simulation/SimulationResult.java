package io.factoryfl.simulation;

import java.util.List;
import java.util.Map;

/** Everything a simulation run produced, ready to print and to write as files. */
record SimulationResult(
    SimulationConfig config, List<Factory> factories, List<RoundRecord> rounds, String modelHash,
    Score federated, Score centralized, Map<String, Score> localOnly,
    double federationSeconds, double centralizedSeconds, double localSeconds, double totalSeconds) {

  double meanLocalRocAuc() {
    return localOnly.values().stream().mapToDouble(Score::rocAuc).average().orElse(Double.NaN);
  }
}
