package io.factoryfl.core.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * Sensor sequences ({@code dataset.sequence}): each row becomes the window of the last {@code
 * window} rows of its group (the rows with its value in {@code group}, ordered by the number in
 * {@code order}), ending with the row itself. At a group's start, where fewer rows precede it, the
 * window is padded by repeating the group's first row. Each site builds windows from its own rows.
 *
 * <p>The encoded example is the window flattened <em>feature-major</em>: value {@code f * window +
 * t} is encoded feature {@code f} (in the schema's layout) at time step {@code t}, {@code t = 0}
 * the oldest row and {@code t = window - 1} the row itself; reshaped in C order it is the {@code
 * [features, time]} input of a DL4J recurrent or 1-D convolution layer. Group and order columns are
 * not features. Rows are standardised with the per-row feature statistics before they are windowed.
 *
 * @param group the column whose value names a row's sequence (for example an engine's unit number)
 * @param order the numeric column that orders a group's rows (for example the operating cycle);
 *     two rows of a group may not share a value
 * @param window rows per window, at least 1
 * @param evalRows which held-out rows are scored: every row's window, or only each group's last
 *     (the C-MAPSS test protocol); training always uses every row
 */
public record SequenceSpec(String group, String order, int window, EvalRows evalRows) {
  /** The longest window a job may ask for. */
  public static final int MAX_WINDOW = 1024;

  /** Which rows of a held-out split are scored. */
  public enum EvalRows {
    /** Every row's window. */
    ALL("all"),
    /** Only the window ending at each group's last row (highest order value). */
    LAST("last");

    private final String key;

    EvalRows(String key) {
      this.key = key;
    }

    /** The spec's name for it. */
    public String key() {
      return key;
    }

    /** The value named {@code key}, or null. */
    public static EvalRows byKey(String key) {
      return Arrays.stream(values()).filter(v -> v.key.equals(key)).findFirst().orElse(null);
    }
  }

  public SequenceSpec {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(order, "order");
    Objects.requireNonNull(evalRows, "evalRows");
    if (group.isBlank() || order.isBlank()) {
      throw new IllegalArgumentException("sequence group and order columns must be named, were '" + group
          + "' and '" + order + "'");
    }
    if (group.equals(order)) {
      throw new IllegalArgumentException("sequence group and order are both column '" + group
          + "'; they must be two columns");
    }
    if (window < 1 || window > MAX_WINDOW) {
      throw new IllegalArgumentException("sequence window must be between 1 and " + MAX_WINDOW + ", was " + window);
    }
  }

  /** The width of a flattened window of rows that each encode to {@code rowWidth} values. */
  public int inputs(int rowWidth) {
    return Math.multiplyExact(rowWidth, window);
  }

  /**
   * What {@code schema} reads the group or order column as ("column 'X' is a feature", "... is the
   * label"), or null when it reads neither: a sequence's columns are not features.
   */
  public String clash(FeatureSchema schema) {
    String group = roleIn(schema, this.group);
    return group != null ? group : roleIn(schema, order);
  }

  /** What {@code schema} reads {@code column} as, in words, or null if it does not read it. */
  public static String roleIn(FeatureSchema schema, String column) {
    if (schema.numericColumns().contains(column)
        || schema.categoricalColumns().stream().anyMatch(c -> c.column().equals(column))) {
      return "column '" + column + "' is a feature";
    }
    return schema.labelColumn().equals(column) ? "column '" + column + "' is the label" : null;
  }
}
