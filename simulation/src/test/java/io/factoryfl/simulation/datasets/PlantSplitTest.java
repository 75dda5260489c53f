package io.factoryfl.simulation.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.factoryfl.participant.data.CsvTable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlantSplitTest {
  private static final CsvTable TABLE = CsvTable.parse("t.csv", "x\n0\n1\n2\n3\n");

  @Test
  void partition_givesEachPlantItsRowsInFileOrder() {
    PlantSplit split = new PlantSplit("p", "t.csv", new String[] {"b", "a", "b", "a"});
    Map<String, CsvTable> parts = split.partition(TABLE);
    assertEquals(List.of("a", "b"), List.copyOf(parts.keySet()));
    assertEquals("1", parts.get("a").value(0, "x"));
    assertEquals("3", parts.get("a").value(1, "x"));
    assertEquals("0", parts.get("b").value(0, "x"));
    assertArrayEquals(new int[] {0, 2}, split.rowsOf("b"));
  }

  @Test
  void partition_refusesATableOfAnotherLength() {
    PlantSplit split = new PlantSplit("p", "t.csv", new String[] {"a", "b"});
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> split.partition(TABLE));
    assertEquals("split p covers the 2 rows of t.csv, but t.csv has 4", e.getMessage());
  }

  @Test
  void rowsOf_refusesAPlantTheSplitDoesNotHave() {
    PlantSplit split = new PlantSplit("p", "t.csv", new String[] {"a", "b"});
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> split.rowsOf("c"));
    assertEquals("split p of t.csv has no plant 'c'; plants: [a, b]", e.getMessage());
  }

  @Test
  void construction_refusesARowWithoutPlant() {
    assertThrows(IllegalArgumentException.class,
        () -> new PlantSplit("p", "t.csv", new String[] {"a", " "}));
  }

  @Test
  void plantOfRow_isCopiedIn() {
    String[] plants = {"a", "b"};
    PlantSplit split = new PlantSplit("p", "t.csv", plants);
    plants[0] = "z";
    assertEquals("a", split.plantOf(0));
  }
}
