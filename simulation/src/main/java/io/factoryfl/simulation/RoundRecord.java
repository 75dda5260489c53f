package io.factoryfl.simulation;

import java.util.Map;

/**
 * One committed round as the simulated ML engineer saw it in the job's events.
 *
 * @param rocAuc the federated evaluation's ROC-AUC, from the sites' log-odds histograms
 * @param rocAucBound its reported bound on the difference to the exact value
 * @param metrics the federated evaluation's metrics by name (empty if the round was not evaluated)
 */
record RoundRecord(int round, int participants, double trainLoss, double rocAuc, double prAuc,
    double rocAucBound, double seconds, Map<String, Double> metrics) {

  RoundRecord {
    metrics = Map.copyOf(metrics);
  }

  /** A binary classifier's round. */
  RoundRecord(int round, int participants, double trainLoss, double rocAuc, double prAuc, double rocAucBound,
      double seconds) {
    this(round, participants, trainLoss, rocAuc, prAuc, rocAucBound, seconds, Map.of());
  }

  /** A metric of the round's evaluation, NaN if it has none of that name. */
  double metric(String name) {
    return name.equals("roc_auc") ? rocAuc : name.equals("pr_auc") ? prAuc : metrics.getOrDefault(name, Double.NaN);
  }
}
