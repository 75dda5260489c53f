package io.factoryfl.core.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which columns of a tabular dataset a model reads, and how.
 *
 * <p>The encoded feature vector is laid out as: the numeric columns in the given order, then for
 * each categorical column one indicator per category, in the given category order. The label column
 * is mapped to the index of its value in {@link #labelClasses()}; for binary tasks the
 * <em>last</em> class is the positive one.
 *
 * @param numericColumns columns parsed as numbers and standardised
 * @param categoricalColumns columns one-hot encoded over a fixed list of categories
 * @param labelColumn the column holding the label
 * @param labelClasses the label values, in output-neuron order (at least two); empty for a
 *     regression label, which is a number
 * @param missingValues what a site does with an empty or NaN numeric cell
 */
public record FeatureSchema(
    List<String> numericColumns,
    List<CategoricalColumn> categoricalColumns,
    String labelColumn,
    List<String> labelClasses,
    MissingValues missingValues) {

  /** A schema whose missing numeric values are refused. */
  public FeatureSchema(List<String> numericColumns, List<CategoricalColumn> categoricalColumns, String labelColumn,
      List<String> labelClasses) {
    this(numericColumns, categoricalColumns, labelColumn, labelClasses, MissingValues.REFUSE);
  }

  /**
   * A categorical feature column and its categories, in encoding order.
   *
   * @param column the column name
   * @param categories the values that get an indicator, in order (at least one, no duplicates)
   */
  public record CategoricalColumn(String column, List<String> categories) {
    public CategoricalColumn {
      requireName(column, "categorical column name");
      Objects.requireNonNull(categories, "categories of column '" + column + "' must not be null");
      if (categories.isEmpty()) {
        throw new IllegalArgumentException(
            "categorical column '" + column + "' must list at least one category");
      }
      Set<String> seen = new HashSet<>();
      for (String category : categories) {
        if (category == null) {
          throw new IllegalArgumentException(
              "categorical column '" + column + "' has a null category");
        }
        if (!seen.add(category)) {
          throw new IllegalArgumentException(
              "categorical column '" + column + "' lists category '" + category + "' twice");
        }
      }
      categories = List.copyOf(categories);
    }
  }

  public FeatureSchema {
    Objects.requireNonNull(missingValues, "missingValues must not be null");
    Objects.requireNonNull(numericColumns, "numericColumns must not be null");
    Objects.requireNonNull(categoricalColumns, "categoricalColumns must not be null");
    Objects.requireNonNull(labelClasses, "labelClasses must not be null");
    requireName(labelColumn, "labelColumn");
    if (numericColumns.isEmpty() && categoricalColumns.isEmpty()) {
      throw new IllegalArgumentException(
          "schema needs at least one feature:"
              + " numericColumns and categoricalColumns are both empty");
    }
    Set<String> columns = new HashSet<>();
    for (String column : numericColumns) {
      requireName(column, "numeric column name");
      requireUnique(columns, column);
    }
    for (CategoricalColumn column : categoricalColumns) {
      Objects.requireNonNull(column, "categoricalColumns must not contain null");
      requireUnique(columns, column.column());
    }
    if (columns.contains(labelColumn)) {
      throw new IllegalArgumentException(
          "labelColumn '" + labelColumn + "' is also listed as a feature column");
    }
    if (labelClasses.size() == 1) {
      throw new IllegalArgumentException(
          "labelClasses must hold at least 2 classes (or none, for a regression label), was "
              + labelClasses);
    }
    Set<String> classes = new HashSet<>();
    for (String labelClass : labelClasses) {
      if (labelClass == null) {
        throw new IllegalArgumentException("labelClasses must not contain null: " + labelClasses);
      }
      if (!classes.add(labelClass)) {
        throw new IllegalArgumentException(
            "labelClasses lists '" + labelClass + "' twice: " + labelClasses);
      }
    }
    numericColumns = List.copyOf(numericColumns);
    categoricalColumns = List.copyOf(categoricalColumns);
    labelClasses = List.copyOf(labelClasses);
  }

  /** Width of the encoded feature vector: numeric columns plus all categories. */
  public int numInputs() {
    int inputs = numericColumns.size();
    for (CategoricalColumn column : categoricalColumns) {
      inputs += column.categories().size();
    }
    return inputs;
  }

  /** Number of label classes, i.e. output neurons of a classifier; 0 for a regression label. */
  public int numClasses() {
    return labelClasses.size();
  }

  /** All feature columns (numeric first, then categorical), in encoding order. */
  public List<String> featureColumns() {
    List<String> columns = new ArrayList<>(numericColumns);
    for (CategoricalColumn column : categoricalColumns) {
      columns.add(column.column());
    }
    return List.copyOf(columns);
  }

  private static void requireName(String name, String field) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank, was '" + name + "'");
    }
  }

  private static void requireUnique(Set<String> seen, String column) {
    if (!seen.add(column)) {
      throw new IllegalArgumentException("feature column '" + column + "' is listed twice");
    }
  }
}
