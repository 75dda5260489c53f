package io.factoryfl.core.job;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How a job picks the model it hands out ({@code select}): the round whose federated evaluation
 * has the best value of {@code metric}, optionally stopping the job once {@code patience}
 * evaluations in a row brought no improvement. Without it a job's result is its last committed
 * round. Only evaluated rounds can be chosen ({@code evaluate_every}).
 *
 * @param metric a metric the job's task reports, for example {@code roc_auc}, {@code rmse} or
 *     {@code recall[CLASS]}
 * @param mode whether larger or smaller values are better
 * @param patience stop after this many evaluations without improvement; 0 never stops early
 */
public record SelectionSpec(String metric, Mode mode, int patience) {

  /** Metrics that measure an error: smaller is better, so their default mode is {@link Mode#MIN}. */
  public static final Set<String> ERRORS = Set.of("loss", "rmse", "mae");

  /** Whether larger or smaller values of the metric are better. */
  public enum Mode {
    MAX("max"),
    MIN("min");

    private final String key;

    Mode(String key) {
      this.key = key;
    }

    /** The job spec's (and the round log's) name for it. */
    public String key() {
      return key;
    }

    public static Optional<Mode> byKey(String key) {
      return Arrays.stream(values()).filter(mode -> mode.key.equals(key)).findFirst();
    }

    /** Whether {@code candidate} is strictly better than {@code best}. */
    public boolean better(double candidate, double best) {
      return this == MAX ? candidate > best : candidate < best;
    }
  }

  public SelectionSpec {
    Objects.requireNonNull(metric, "metric");
    Objects.requireNonNull(mode, "mode");
    if (metric.isBlank()) {
      throw new IllegalArgumentException("metric must name a metric, was blank");
    }
    if (patience < 0) {
      throw new IllegalArgumentException("patience must be >= 0 (0: no early stopping), was " + patience);
    }
  }

  /**
   * The mode a metric gets when the spec names none: {@link Mode#MIN} for the errors {@code loss},
   * {@code rmse} and {@code mae}; {@link Mode#MAX} for every other metric (accuracy, balanced
   * accuracy, the AUCs, precision, recall, F1 and R^2), where higher is better.
   */
  public static Mode defaultMode(String metric) {
    return ERRORS.contains(metric) ? Mode.MIN : Mode.MAX;
  }

  /** Whether the job stops once {@link #patience} evaluations in a row did not improve. */
  public boolean stopsEarly() {
    return patience > 0;
  }
}
