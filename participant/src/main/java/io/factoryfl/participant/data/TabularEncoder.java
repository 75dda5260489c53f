package io.factoryfl.participant.data;

import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.FeatureSchema.CategoricalColumn;
import io.factoryfl.core.data.FeatureStats;
import io.factoryfl.core.data.MissingValues;
import io.factoryfl.core.data.Normalization;
import io.factoryfl.core.task.LabelClip;
import io.factoryfl.core.task.LabelScale;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns the rows of a {@link CsvTable} into model inputs as described by a {@link FeatureSchema}:
 * numeric columns standardised with a {@link Normalization}, categorical columns one-hot encoded in
 * the schema's category order, and the label mapped to its index in the schema's label classes.
 *
 * <p>Cell values are trimmed before they are parsed or matched. Missing or unparseable values are
 * errors, not silently imputed.
 */
public final class TabularEncoder {

  private TabularEncoder() {}

  /**
   * Sufficient statistics of the schema's numeric columns over all rows of {@code table}.
   *
   * @throws IllegalArgumentException if a column is missing or a value is not a finite number (the
   *     message names the file, line, column and value)
   */
  public static FeatureStats stats(CsvTable table, FeatureSchema schema) {
    return stats(table, schema, LabelClip.NONE);
  }

  /**
   * As {@link #stats(CsvTable, FeatureSchema)}; for a regression schema (no label classes) the
   * clipped label follows the features as one more column, so the federation can standardise it
   * as it does the features.
   */
  public static FeatureStats stats(CsvTable table, FeatureSchema schema, LabelClip clip) {
    Objects.requireNonNull(table, "table must not be null");
    Objects.requireNonNull(schema, "schema must not be null");
    List<String> numeric = schema.numericColumns();
    int[] columns = columnIndices(table, numeric, "numeric_features");
    boolean regression = schema.labelClasses().isEmpty();
    int labelColumn = regression ? column(table, schema.labelColumn(), "label") : -1;
    int width = numeric.size() + (regression ? 1 : 0);
    double[] sum = new double[width];
    double[] squares = new double[width];
    double[] present = new double[width];
    for (int row = 0; row < table.rows(); row++) {
      for (int f = 0; f < columns.length; f++) {
        double value = number(table, row, columns[f], numeric.get(f), f, schema.missingValues());
        if (Double.isNaN(value)) {
          continue;
        }
        sum[f] += value;
        squares[f] += value * value;
        present[f]++;
      }
      if (regression) {
        double label = clip.apply(label(table, row, labelColumn, schema.labelColumn()));
        sum[width - 1] += label;
        squares[width - 1] += label * label;
        present[width - 1]++;
      }
    }
    return new FeatureStats(table.rows(), sum, squares, present);
  }

  /**
   * Encodes every row of {@code table}. The feature layout is the schema's: numeric columns in
   * order, then one indicator per category of each categorical column; a category value not in the
   * schema encodes as all zeros.
   *
   * @throws IllegalArgumentException if a column is missing, a numeric value is not a finite
   *     number, a label is not one of the schema's label classes, or {@code normalization} does not
   *     cover exactly the numeric columns
   */
  public static EncodedData encode(
      CsvTable table, FeatureSchema schema, Normalization normalization) {
    return encode(table, schema, normalization, LabelClip.NONE, LabelScale.IDENTITY);
  }

  /**
   * As {@link #encode(CsvTable, FeatureSchema, Normalization)}; a regression schema (no label
   * classes) reads the label as a number, clipped by {@code clip}, and the model learns it
   * standardised by {@code scale}.
   */
  public static EncodedData encode(CsvTable table, FeatureSchema schema, Normalization normalization,
      LabelClip clip, LabelScale scale) {
    return encode(table, schema, normalization, clip, scale, true);
  }

  /**
   * The features of every row of {@code table}, for scoring rows whose label is unknown: the label
   * column is not read (it need not exist) and every example's label is 0.
   */
  public static EncodedData encodeFeatures(CsvTable table, FeatureSchema schema, Normalization normalization) {
    return encode(table, schema, normalization, LabelClip.NONE, LabelScale.IDENTITY, false);
  }

  private static EncodedData encode(CsvTable table, FeatureSchema schema, Normalization normalization,
      LabelClip clip, LabelScale scale, boolean labelled) {
    Objects.requireNonNull(table, "table must not be null");
    Objects.requireNonNull(schema, "schema must not be null");
    Objects.requireNonNull(normalization, "normalization must not be null");
    List<String> numeric = schema.numericColumns();
    if (normalization.size() != numeric.size()) {
      throw new IllegalArgumentException(
          "normalization covers " + normalization.size() + " features but the schema has "
              + numeric.size() + " numeric columns " + numeric);
    }
    int[] numericColumns = columnIndices(table, numeric, "numeric_features");
    List<CategoricalColumn> categorical = schema.categoricalColumns();
    int[] categoricalColumns = new int[categorical.size()];
    List<Map<String, Integer>> categoryIndex = new java.util.ArrayList<>();
    for (int c = 0; c < categorical.size(); c++) {
      categoricalColumns[c] = column(table, categorical.get(c).column(),
          "categorical_features[" + c + "]");
      categoryIndex.add(indexOf(categorical.get(c).categories()));
    }
    int labelColumn = labelled ? column(table, schema.labelColumn(), "label") : -1;
    Map<String, Integer> labelIndex = indexOf(schema.labelClasses());
    double[] mean = normalization.mean();
    double[] std = normalization.std();

    int width = schema.numInputs();
    boolean regression = schema.labelClasses().isEmpty();
    float[][] features = new float[table.rows()][width];
    double[] labels = new double[table.rows()];
    for (int row = 0; row < table.rows(); row++) {
      float[] encoded = features[row];
      for (int f = 0; f < numericColumns.length; f++) {
        double value = number(table, row, numericColumns[f], numeric.get(f), f, schema.missingValues());
        // a missing value takes the federation's mean: 0 once standardised
        encoded[f] = Double.isNaN(value) ? 0f : (float) ((value - mean[f]) / std[f]);
      }
      int offset = numericColumns.length;
      for (int c = 0; c < categoricalColumns.length; c++) {
        Integer category = categoryIndex.get(c).get(table.value(row, categoricalColumns[c]).trim());
        if (category != null) {
          encoded[offset + category] = 1f;
        }
        offset += categorical.get(c).categories().size();
      }
      if (!labelled) {
        continue;
      }
      if (regression) {
        labels[row] = clip.apply(label(table, row, labelColumn, schema.labelColumn()));
        continue;
      }
      String label = table.value(row, labelColumn).trim();
      Integer labelClass = labelIndex.get(label);
      if (labelClass == null) {
        throw new SiteDataException(SiteDataException.Kind.INVALID,
            "dataset.label: a value at this site is not one of the job's label_classes",
            table.source() + " line " + table.lineNumber(row) + " (row " + row + "): label '"
                + label + "' in column '" + schema.labelColumn() + "' is not one of the label"
                + " classes " + schema.labelClasses());
      }
      labels[row] = labelClass;
    }
    return new EncodedData(features, labels, regression ? 0 : schema.labelClasses().size(),
        regression ? scale : LabelScale.IDENTITY);
  }

  private static int[] columnIndices(CsvTable table, List<String> columns, String field) {
    int[] indices = new int[columns.size()];
    for (int i = 0; i < indices.length; i++) {
      indices[i] = column(table, columns.get(i), field + "[" + i + "]");
    }
    return indices;
  }

  /** A column's index; a missing one is named to the coordinator only by the job's spec field. */
  private static int column(CsvTable table, String localName, String field) {
    if (!table.hasColumn(localName)) {
      throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset." + field
          + ": the column the job names is not in this site's table (plant IT: check the"
          + " dataset's columns mapping)", "column '" + localName + "' (job field dataset." + field
          + ") not found in " + table.source() + "; available columns: " + table.header());
    }
    return table.columnIndex(localName);
  }

  private static Map<String, Integer> indexOf(List<String> values) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < values.size(); i++) {
      index.put(values.get(i), i);
    }
    return index;
  }

  /** A regression label: a finite number, or the task is refused naming the field, not the value. */
  private static double label(CsvTable table, int row, int column, String columnName) {
    return finite(table.value(row, column).trim(), table, row, "dataset.label: a value at this site is not"
        + " a finite number, and a regression label must be one", "label column '" + columnName + "'");
  }


  /**
   * A numeric cell: a finite number, or NaN for a missing cell (empty, NaN or NA) when the schema
   * imputes; anything else refuses the task, naming the feature but not the value.
   */
  private static double number(CsvTable table, int row, int column, String columnName, int feature,
      MissingValues missing) {
    String text = table.value(row, column).trim();
    if (missing == MissingValues.IMPUTE_MEAN && MissingValues.isMissing(text)) {
      return Double.NaN;
    }
    return finite(text, table, row, "dataset.numeric_features[" + feature + "]: a value at this site is not a"
        + " finite number"
        + (MissingValues.isMissing(text) ? " (a missing value; the job's dataset.missing_values is refuse)" : ""),
        "column '" + columnName + "'");
  }

  /**
   * A (trimmed) cell as a finite number; otherwise the task is refused with {@code publicMessage},
   * the local detail naming the file, line, {@code what} (e.g. {@code column 'x'}) and the value.
   */
  static double finite(String text, CsvTable table, int row, String publicMessage, String what) {
    double value;
    try {
      value = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      value = Double.NaN;
    }
    if (!Double.isFinite(value)) {
      throw new SiteDataException(SiteDataException.Kind.INVALID, publicMessage,
          table.source() + " line " + table.lineNumber(row) + " (row " + row + "): " + what + " has value '"
              + text + "', expected a finite number");
    }
    return value;
  }

}
