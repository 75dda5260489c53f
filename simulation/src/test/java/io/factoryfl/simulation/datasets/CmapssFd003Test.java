package io.factoryfl.simulation.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.simulation.datasets.CmapssFd003.Part;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bundled C-MAPSS FD003 files hold what the data README says, and split as it says. */
class CmapssFd003Test {
  private static CmapssFd003 data;

  @BeforeAll
  static void load() {
    data = CmapssFd003.load();
  }

  @Test
  void trainAndTest_holdTheDocumentedRowsEnginesAndColumns() {
    List<String> columns = new ArrayList<>(List.of(CmapssFd003.UNIT, CmapssFd003.CYCLE));
    columns.addAll(CmapssFd003.featureColumns());
    columns.add(CmapssFd003.LABEL);
    assertEquals(27, columns.size());

    assertEquals(24_720, data.table(Part.TRAIN).rows());
    assertEquals(16_596, data.table(Part.TEST).rows());
    for (Part part : Part.values()) {
      assertEquals(columns, data.table(part).header(), part.name());
      assertEquals(100, engines(data.table(part)).size(), part.name());
    }
  }

  @Test
  void constantInTrain_areExactlyTheFeaturesWithOneValueInTheTrainingFile() {
    CsvTable train = data.table(Part.TRAIN);
    List<String> constant = new ArrayList<>();
    for (String column : CmapssFd003.featureColumns()) {
      Set<Double> values = new HashSet<>();
      for (int row = 0; row < train.rows(); row++) {
        values.add(Double.parseDouble(train.value(row, column)));
      }
      if (values.size() == 1) {
        constant.add(column);
      }
    }
    assertEquals(CmapssFd003.CONSTANT_IN_TRAIN, constant);
    assertEquals(18, CmapssFd003.informativeFeatures().size());
  }

  @Test
  void trainLabel_countsTheCyclesLeftToFailure_zeroOnEachEnginesLastCycle() {
    CsvTable train = data.table(Part.TRAIN);
    Map<String, Integer> lastCycle = new HashMap<>();
    for (int row : data.lastCycleRows(Part.TRAIN)) {
      lastCycle.put(train.value(row, CmapssFd003.UNIT), cycle(train, row));
      assertEquals("0", train.value(row, CmapssFd003.LABEL));
    }
    assertEquals(100, lastCycle.size());
    for (int row = 0; row < train.rows(); row++) {
      int expected = lastCycle.get(train.value(row, CmapssFd003.UNIT)) - cycle(train, row);
      assertEquals(expected, Integer.parseInt(train.value(row, CmapssFd003.LABEL)), "row " + row);
    }
  }

  @Test
  void testLastCycles_areOnePerEngineWithTheRemainingLifeNasaPublished() {
    CsvTable test = data.table(Part.TEST);
    CsvTable plants = BundledFiles.table("cmapss-fd003/plants.csv");
    Map<String, String> published = new HashMap<>();
    for (int row = 0; row < plants.rows(); row++) {
      if (plants.value(row, "split").equals("test")) {
        published.put(plants.value(row, "unit"), plants.value(row, "rul_at_last_cycle"));
      }
    }
    int[] last = data.lastCycleRows(Part.TEST);
    assertEquals(100, last.length);
    for (int row : last) {
      assertEquals(published.get(test.value(row, CmapssFd003.UNIT)),
          test.value(row, CmapssFd003.LABEL));
    }
  }

  @Test
  void plantLifetime_splitsTrainEnginesIntoQuartilesOfLife() {
    PlantSplit split = data.plants(CmapssFd003.PLANT_LIFETIME, Part.TRAIN);
    assertEquals(List.of("plant_1", "plant_2", "plant_3", "plant_4"), split.plants());
    assertEquals(Map.of("plant_1", 4227, "plant_2", 5035, "plant_3", 6163, "plant_4", 9295),
        split.sizes());
    // README: quartiles of engine life 145-189 / 190-220 / 221-278 / 285-525 cycles.
    assertEquals(Map.of("plant_1", List.of(145, 189, 25), "plant_2", List.of(190, 220, 25),
        "plant_3", List.of(221, 278, 25), "plant_4", List.of(285, 525, 25)),
        lifeRanges(data.table(Part.TRAIN), split));
  }

  @Test
  void plantLifetime_placesEveryTestEngine() {
    PlantSplit split = data.plants(CmapssFd003.PLANT_LIFETIME, Part.TEST);
    assertEquals(Map.of("plant_1", 2460, "plant_2", 2992, "plant_3", 4567, "plant_4", 6577),
        split.sizes());
    Map<String, Integer> engines = new TreeMap<>();
    lifeRanges(data.table(Part.TEST), split).forEach((plant, range) -> engines.put(plant, range.get(2)));
    assertEquals(Map.of("plant_1", 24, "plant_2", 26, "plant_3", 27, "plant_4", 23), engines);
  }

  @Test
  void plantFault_putsOneFaultSignatureInPlants1And2AndTheOtherIn3And4() {
    PlantSplit split = data.plants(CmapssFd003.PLANT_FAULT, Part.TRAIN);
    assertEquals(Map.of("plant_1", 5481, "plant_2", 5834, "plant_3", 6540, "plant_4", 6865),
        split.sizes());
    CsvTable plants = BundledFiles.table("cmapss-fd003/plants.csv");
    Map<String, String> signature = new HashMap<>();
    for (int row = 0; row < plants.rows(); row++) {
      if (plants.value(row, "split").equals("train")) {
        signature.put(plants.value(row, "unit"), plants.value(row, "fault_signature"));
      }
    }
    CsvTable train = data.table(Part.TRAIN);
    Map<String, Set<String>> signatures = new TreeMap<>();
    for (int row = 0; row < train.rows(); row++) {
      signatures.computeIfAbsent(split.plantOf(row), p -> new HashSet<>())
          .add(signature.get(train.value(row, CmapssFd003.UNIT)));
    }
    assertEquals(1, signatures.get("plant_1").size());
    assertEquals(signatures.get("plant_1"), signatures.get("plant_2"));
    assertEquals(1, signatures.get("plant_3").size());
    assertEquals(signatures.get("plant_3"), signatures.get("plant_4"));
    assertTrue(!signatures.get("plant_1").equals(signatures.get("plant_3")));
  }

  @Test
  void plantFault_refusesTestEngines_andPointsToPlantLifetime() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> data.plants(CmapssFd003.PLANT_FAULT, Part.TEST));
    assertTrue(e.getMessage().contains("covers the training engines only; use plant_lifetime"),
        e.getMessage());
  }

  @Test
  void plants_refusesAnUnknownSplit_namingTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> data.plants("plant_type", Part.TRAIN));
    assertEquals("C-MAPSS FD003 has no plant split 'plant_type'; use plant_fault (train only) or"
        + " plant_lifetime", e.getMessage());
  }

  @Test
  void partition_keepsWholeEnginesTogether_andEveryRowOnce() {
    PlantSplit split = data.plants(CmapssFd003.PLANT_LIFETIME, Part.TRAIN);
    Map<String, CsvTable> parts = split.partition(data.table(Part.TRAIN));
    int rows = 0;
    Set<String> enginesSeen = new HashSet<>();
    for (CsvTable part : parts.values()) {
      rows += part.rows();
      Set<String> engines = engines(part);
      for (String engine : engines) {
        assertTrue(enginesSeen.add(engine), "engine " + engine + " is in two plants");
      }
    }
    assertEquals(24_720, rows);
    assertEquals(100, enginesSeen.size());
  }

  /** Per plant: shortest and longest engine life (last cycle) and the number of engines. */
  private static Map<String, List<Integer>> lifeRanges(CsvTable table, PlantSplit split) {
    Map<String, Map<String, Integer>> lifeByEngine = new TreeMap<>();
    for (int row = 0; row < table.rows(); row++) {
      int life = cycle(table, row) + Integer.parseInt(table.value(row, CmapssFd003.LABEL));
      lifeByEngine.computeIfAbsent(split.plantOf(row), p -> new HashMap<>())
          .merge(table.value(row, CmapssFd003.UNIT), life, Math::max);
    }
    Map<String, List<Integer>> ranges = new TreeMap<>();
    lifeByEngine.forEach((plant, lives) -> ranges.put(plant, List.of(
        lives.values().stream().mapToInt(Integer::intValue).min().orElseThrow(),
        lives.values().stream().mapToInt(Integer::intValue).max().orElseThrow(),
        lives.size())));
    return ranges;
  }

  private static Set<String> engines(CsvTable table) {
    Set<String> engines = new HashSet<>();
    for (int row = 0; row < table.rows(); row++) {
      engines.add(table.value(row, CmapssFd003.UNIT));
    }
    return engines;
  }

  private static int cycle(CsvTable table, int row) {
    return Integer.parseInt(table.value(row, CmapssFd003.CYCLE));
  }
}
