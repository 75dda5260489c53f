package io.factoryfl.simulation.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.participant.data.CsvTable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bundled SECOM files hold what the data README says, and split as it says. */
class SecomTest {
  private static Secom data;

  @BeforeAll
  static void load() {
    data = Secom.load();
  }

  @Test
  void table_holdsTheDocumentedRowsColumnsAndLabels() {
    CsvTable table = data.table();
    List<String> columns = new ArrayList<>(Secom.featureColumns());
    columns.add(Secom.LABEL);
    columns.add(Secom.TIMESTAMP);
    assertEquals(columns, table.header());
    assertEquals(1_567, table.rows());
    assertEquals(Map.of(Secom.PASS, 1_463, Secom.FAIL, 104), labelCounts(table, 0, table.rows()));
    assertEquals(Secom.FAIL, Secom.LABEL_CLASSES.get(Secom.LABEL_CLASSES.size() - 1));
  }

  @Test
  void missingValues_areWrittenNaN_inTheDocumentedCellsAndColumns() {
    CsvTable table = data.table();
    int missingCells = 0;
    int columnsWithMissing = 0;
    int constantColumns = 0;
    for (String column : Secom.featureColumns()) {
      boolean missing = false;
      Set<Double> values = new HashSet<>();
      for (int row = 0; row < table.rows(); row++) {
        String cell = table.value(row, column);
        if (cell.equals(Secom.MISSING)) {
          missingCells++;
          missing = true;
        } else {
          double value = Double.parseDouble(cell);
          assertTrue(Double.isFinite(value), column + " row " + row + ": " + cell);
          values.add(value);
        }
      }
      columnsWithMissing += missing ? 1 : 0;
      constantColumns += values.size() <= 1 ? 1 : 0;
    }
    assertEquals(41_951, missingCells);
    assertEquals(538, columnsWithMissing);
    assertEquals(116, constantColumns);
  }

  @Test
  void plantTimeBlock_isFourConsecutivePeriodsWithTheDocumentedFailRates() {
    PlantSplit split = data.plants(Secom.PLANT_TIME_BLOCK);
    assertEquals(Map.of("plant_1", 392, "plant_2", 392, "plant_3", 392, "plant_4", 391),
        split.sizes());
    CsvTable table = data.table();
    // Consecutive blocks in production order: plant_1 first, then plant_2, ...
    int start = 0;
    Map<String, Integer> failures = new TreeMap<>();
    for (String plant : split.plants()) {
      int[] rows = split.rowsOf(plant);
      assertEquals(start, rows[0], plant);
      assertEquals(start + rows.length - 1, rows[rows.length - 1], plant);
      failures.put(plant, labelCounts(table, start, start + rows.length).get(Secom.FAIL));
      start += rows.length;
    }
    // README: fail rates 13.5% / 3.6% / 3.3% / 6.1%.
    assertEquals(Map.of("plant_1", 53, "plant_2", 14, "plant_3", 13, "plant_4", 24), failures);
    for (int row = 1; row < table.rows(); row++) {
      assertTrue(table.value(row - 1, Secom.TIMESTAMP).compareTo(table.value(row, Secom.TIMESTAMP))
          <= 0, "row " + row + " is earlier than the row before it");
    }
  }

  @Test
  void plants_refusesAnUnknownSplit_namingTheKnownOne() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> data.plants("plant_lifetime"));
    assertEquals("SECOM has no plant split 'plant_lifetime'; use plant_time_block", e.getMessage());
  }

  private static Map<String, Integer> labelCounts(CsvTable table, int from, int to) {
    Map<String, Integer> counts = new TreeMap<>();
    for (int row = from; row < to; row++) {
      counts.merge(table.value(row, Secom.LABEL), 1, Integer::sum);
    }
    return counts;
  }
}
