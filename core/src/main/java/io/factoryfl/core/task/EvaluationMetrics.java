package io.factoryfl.core.task;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The metrics of a model over the union of the sites' held-out data, in the task family's order
 * (for example {@code loss, accuracy, roc_auc, ...} for a binary classifier, {@code loss, rmse,
 * mae, r2} for a regressor), and a classifier's confusion matrix ({@code confusion[true][predicted]},
 * empty for a regressor). A metric that is undefined for the data (ROC-AUC with one class present)
 * is NaN.
 */
public record EvaluationMetrics(long numExamples, Map<String, Double> values, long[][] confusion) {
  public EvaluationMetrics {
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(confusion, "confusion");
    values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
    long[][] copy = new long[confusion.length][];
    for (int i = 0; i < confusion.length; i++) {
      copy[i] = confusion[i].clone();
    }
    confusion = copy;
  }

  /** A metric's value, NaN when the task has no such metric or it is undefined. */
  public double get(String name) {
    return values.getOrDefault(name, Double.NaN);
  }

  @Override
  public long[][] confusion() {
    long[][] copy = new long[confusion.length][];
    for (int i = 0; i < confusion.length; i++) {
      copy[i] = confusion[i].clone();
    }
    return copy;
  }
}
