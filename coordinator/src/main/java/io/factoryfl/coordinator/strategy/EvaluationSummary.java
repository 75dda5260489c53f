package io.factoryfl.coordinator.strategy;

import io.factoryfl.core.task.EvaluationMetrics;

/**
 * The federation-wide evaluation of a round's model: the task's metrics over the union of the
 * sites' held-out data, computed once from their merged sums.
 */
public record EvaluationSummary(int participants, EvaluationMetrics metrics) {
  public long numExamples() {
    return metrics.numExamples();
  }

  public double loss() {
    return metrics.get("loss");
  }

  /** NaN for a task without it (regression). */
  public double accuracy() {
    return metrics.get("accuracy");
  }

  /** A binary task's ROC-AUC; the macro one-vs-rest ROC-AUC of a multi-class one; NaN for regression. */
  public double rocAuc() {
    double binary = metrics.get("roc_auc");
    return Double.isNaN(binary) ? metrics.get("macro_roc_auc") : binary;
  }

  /** A binary task's PR-AUC; NaN otherwise. */
  public double prAuc() {
    return metrics.get("pr_auc");
  }
}
