package io.factoryfl.simulation.datasets;

import io.factoryfl.participant.data.CsvTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A natural assignment of a table's rows to plants, as the bundled data sets ship it (a column of
 * their {@code plants.csv}): row {@code i} of the table belongs to plant {@link #plantOf(int)}.
 * Plants are named as in the file ({@code plant_1} ...) and listed in name order.
 *
 * @param name the split's name, the {@code plants.csv} column it comes from
 * @param table the source of the table it splits (for messages)
 */
public record PlantSplit(String name, String table, String[] plantOfRow) {

  public PlantSplit {
    Objects.requireNonNull(name, "name must not be null");
    Objects.requireNonNull(table, "table must not be null");
    plantOfRow = plantOfRow.clone();
    for (int row = 0; row < plantOfRow.length; row++) {
      if (plantOfRow[row] == null || plantOfRow[row].isBlank()) {
        throw new IllegalArgumentException("split " + name + " of " + table + ": row " + row
            + " has no plant");
      }
    }
  }

  /** Number of rows the split covers (the rows of its table). */
  public int rows() {
    return plantOfRow.length;
  }

  /** The plant of row {@code row} of the table. */
  public String plantOf(int row) {
    return plantOfRow[row];
  }

  @Override
  public String[] plantOfRow() {
    return plantOfRow.clone();
  }

  /** The plants, in name order. */
  public List<String> plants() {
    return List.copyOf(sizes().keySet());
  }

  /** Rows per plant, in plant name order. */
  public Map<String, Integer> sizes() {
    Map<String, Integer> sizes = new TreeMap<>();
    for (String plant : plantOfRow) {
      sizes.merge(plant, 1, Integer::sum);
    }
    return sizes;
  }

  /** The table's row indices of one plant, ascending. */
  public int[] rowsOf(String plant) {
    List<Integer> rows = new ArrayList<>();
    for (int row = 0; row < plantOfRow.length; row++) {
      if (plantOfRow[row].equals(plant)) {
        rows.add(row);
      }
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("split " + name + " of " + table + " has no plant '"
          + plant + "'; plants: " + plants());
    }
    return rows.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * The table cut into one table per plant, in plant name order, each with its rows in file order.
   *
   * @throws IllegalArgumentException if {@code source} is not the table this split was made for
   *     (its row count differs)
   */
  public Map<String, CsvTable> partition(CsvTable source) {
    if (source.rows() != plantOfRow.length) {
      throw new IllegalArgumentException("split " + name + " covers the " + plantOfRow.length
          + " rows of " + table + ", but " + source.source() + " has " + source.rows());
    }
    Map<String, CsvTable> parts = new LinkedHashMap<>();
    for (String plant : plants()) {
      parts.put(plant, source.select(rowsOf(plant)));
    }
    return parts;
  }

  // Records compare arrays by identity; compare contents instead.
  @Override
  public boolean equals(Object o) {
    return o instanceof PlantSplit other && name.equals(other.name) && table.equals(other.table)
        && Arrays.equals(plantOfRow, other.plantOfRow);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, table, Arrays.hashCode(plantOfRow));
  }

  @Override
  public String toString() {
    return "PlantSplit[" + name + " of " + table + ": " + sizes() + "]";
  }
}
