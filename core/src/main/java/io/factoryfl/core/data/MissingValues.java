package io.factoryfl.core.data;

import java.util.Arrays;
import java.util.Optional;

/**
 * What a site does with a numeric cell that is empty or reads {@code NaN} or {@code NA}
 * ({@code dataset.missing_values}). Any other text that is not a finite number is refused either
 * way.
 */
public enum MissingValues {
  /** The task is refused as data_invalid, naming the feature (the default: nothing is guessed). */
  REFUSE("refuse"),
  /**
   * The cell takes the federation's mean of the feature, which is 0 after standardisation; the
   * means and standard deviations are computed over the present values only.
   */
  IMPUTE_MEAN("impute_mean");

  private final String key;

  MissingValues(String key) {
    this.key = key;
  }

  /** The job spec's name for it. */
  public String key() {
    return key;
  }

  /** The policy named {@code key}, if any. */
  public static Optional<MissingValues> byKey(String key) {
    return Arrays.stream(values()).filter(policy -> policy.key.equals(key)).findFirst();
  }

  /** Whether a (trimmed) cell counts as missing: empty, {@code NaN} or {@code NA}, any case. */
  public static boolean isMissing(String cell) {
    return cell.isEmpty() || cell.equalsIgnoreCase("nan") || cell.equalsIgnoreCase("na");
  }
}
