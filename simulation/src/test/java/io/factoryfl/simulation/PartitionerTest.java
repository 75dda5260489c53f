package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.factoryfl.participant.data.CsvTable;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartitionerTest {

  /** 30 rows: 20 of type L and 10 of type M, so room for 3 factories of 10 rows. */
  private static CsvTable table() {
    StringBuilder csv = new StringBuilder("Product ID,Type,x\n");
    for (int i = 0; i < 30; i++) {
      csv.append(i < 20 ? "L" : "M").append(String.format("%03d", i)).append(',')
          .append(i < 20 ? "L" : "M").append(',').append(i).append('\n');
    }
    return CsvTable.parse("t.csv", csv.toString());
  }

  @Test
  void moreFactoriesThanTheDataHasRoomFor_areTwinsOfTheDistinctOnes() {
    List<Factory> factories = Partitioner.split(table(), 7, "Type", "Product ID", 0.2, 1);
    assertEquals(7, factories.size());
    assertEquals(7, new HashSet<>(factories.stream().map(Factory::name).toList()).size());
    assertEquals("factory-1", factories.get(0).name());
    for (int f = 3; f < 7; f++) {
      Factory twin = factories.get(f);
      Factory original = factories.get(f % 3);
      assertSame(original.train(), twin.train(), twin.name());
      assertSame(original.eval(), twin.eval(), twin.name());
      assertEquals("twin of " + original.name(), twin.description());
    }
    assertEquals(Partitioner.split(table(), 3, "Type", "Product ID", 0.2, 1).get(2).description(),
        factories.get(2).description());
  }

  @Test
  void beyondTheLimit_isRefusedNamingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Partitioner.split(table(), Partitioner.MAX_FACTORIES + 1, "Type", "Product ID", 0.2, 1));
    assertEquals("--factories was 10001; must be between 1 and 10000", e.getMessage());
  }

  @Test
  void theLocalOnlyYardstick_trainsAtMostOneHundredFactoriesSpreadEvenly() {
    List<Factory> factories = Partitioner.split(table(), 1000, "Type", "Product ID", 0.2, 1);
    List<Factory> sample = SimulationRunner.localOnlySample(factories);
    assertEquals(SimulationRunner.LOCAL_ONLY_LIMIT, sample.size());
    assertEquals("factory-0001", sample.get(0).name());
    assertEquals("factory-0011", sample.get(1).name());
    assertEquals(factories.subList(0, 5), SimulationRunner.localOnlySample(factories.subList(0, 5)));
  }
}
