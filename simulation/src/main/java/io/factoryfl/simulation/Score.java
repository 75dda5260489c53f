package io.factoryfl.simulation;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model's metrics on the union of the factories' held-out rows, in the task's report order:
 * ROC-AUC and PR-AUC for a binary classifier, RMSE, MAE and R² for a regressor.
 */
record Score(Map<String, Double> metrics) {
  Score {
    metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
  }

  /** A binary classifier's score. */
  Score(double rocAuc, double prAuc) {
    this(binary(rocAuc, prAuc));
  }

  private static Map<String, Double> binary(double rocAuc, double prAuc) {
    Map<String, Double> values = new LinkedHashMap<>();
    values.put("roc_auc", rocAuc);
    values.put("pr_auc", prAuc);
    return values;
  }

  /** A metric's value, NaN if the score has none of that name. */
  double get(String metric) {
    return metrics.getOrDefault(metric, Double.NaN);
  }

  double rocAuc() {
    return get("roc_auc");
  }

  double prAuc() {
    return get("pr_auc");
  }
}
