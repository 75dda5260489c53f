package io.factoryfl.simulation.datasets;

import io.factoryfl.participant.data.CsvTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The bundled NASA C-MAPSS turbofan run-to-failure set, subset FD003 (one operating condition, two
 * fault modes), for remaining-useful-life regression on sensor sequences. Files under {@code
 * /datasets/cmapss-fd003/} (attribution in NOTICE, description in the README there):
 *
 * <ul>
 *   <li>{@code train_FD003.csv}: 24,720 rows of 100 engines, each run to failure;
 *       {@code test_FD003.csv}: 16,596 rows of 100 other engines, cut off before failure.
 *   <li>Columns {@value #UNIT}, {@value #CYCLE}, {@code op_setting_1..3}, {@code sensor_1..21},
 *       {@value #LABEL}. One row is one engine ({@value #UNIT}) at one operating cycle; a sequence
 *       model groups by {@value #UNIT} and orders by {@value #CYCLE}.
 *   <li>The label {@value #LABEL} is the remaining useful life in cycles (0 at failure in train;
 *       in test the true remaining life, whose value on each engine's last row is NASA's RUL file).
 *       Common practice clips it at {@value #COMMON_RUL_CLIP} and scores RMSE on the test engines'
 *       last cycles ({@link #lastCycleRows}).
 *   <li>Natural plant splits ({@code plants.csv}, one row per engine, joined on split and unit):
 *       {@value #PLANT_FAULT} (train only: plants 1-2 hold the engines of one inferred fault
 *       signature, 3-4 those of the other) and {@value #PLANT_LIFETIME} (train and test: quartiles
 *       of engine life).
 * </ul>
 */
public final class CmapssFd003 {
  public static final String NAME = "cmapss-fd003";
  public static final String UNIT = "unit";
  public static final String CYCLE = "cycle";
  public static final String LABEL = "rul";
  /** The RUL clip common in the literature (and the scenario target). */
  public static final int COMMON_RUL_CLIP = 125;
  public static final List<String> OPERATING_SETTINGS = numbered("op_setting_", 3);
  public static final List<String> SENSORS = numbered("sensor_", 21);
  /**
   * Columns with one value over the whole training file (and the test file): they carry no signal.
   * The shared data README names four; sensor_5 and sensor_16 are constant too.
   */
  public static final List<String> CONSTANT_IN_TRAIN = List.of(
      "op_setting_3", "sensor_1", "sensor_5", "sensor_16", "sensor_18", "sensor_19");
  public static final String PLANT_FAULT = "plant_fault";
  public static final String PLANT_LIFETIME = "plant_lifetime";
  /** The value {@code plants.csv} gives engines that a split does not place. */
  static final String UNASSIGNED = "unassigned";

  /** The two files of the set. */
  public enum Part {
    TRAIN("train", "cmapss-fd003/train_FD003.csv"),
    TEST("test", "cmapss-fd003/test_FD003.csv");

    private final String key;
    private final String path;

    Part(String key, String path) {
      this.key = key;
      this.path = path;
    }
  }

  private final CsvTable train;
  private final CsvTable test;
  private final CsvTable plants;

  private CmapssFd003(CsvTable train, CsvTable test, CsvTable plants) {
    this.train = train;
    this.test = test;
    this.plants = plants;
  }

  /** Reads the bundled files (about 7 MB of text). */
  public static CmapssFd003 load() {
    return new CmapssFd003(BundledFiles.table(Part.TRAIN.path), BundledFiles.table(Part.TEST.path),
        BundledFiles.table("cmapss-fd003/plants.csv"));
  }

  public CsvTable table(Part part) {
    return part == Part.TRAIN ? train : test;
  }

  /** Every column a model may read: the operating settings, then the sensors (24). */
  public static List<String> featureColumns() {
    return Stream.concat(OPERATING_SETTINGS.stream(), SENSORS.stream()).toList();
  }

  /** {@link #featureColumns()} without the {@link #CONSTANT_IN_TRAIN} ones (18). */
  public static List<String> informativeFeatures() {
    return featureColumns().stream().filter(c -> !CONSTANT_IN_TRAIN.contains(c)).toList();
  }

  /**
   * The plant of every row of a part under a plant split of {@code plants.csv}.
   *
   * @param split {@value #PLANT_FAULT} (train only) or {@value #PLANT_LIFETIME}
   * @throws IllegalArgumentException if the split is unknown, leaves an engine of the part
   *     unassigned, or {@code plants.csv} lacks an engine of the part
   */
  public PlantSplit plants(String split, Part part) {
    if (!PLANT_FAULT.equals(split) && !PLANT_LIFETIME.equals(split)) {
      throw new IllegalArgumentException("C-MAPSS FD003 has no plant split '" + split + "'; use "
          + PLANT_FAULT + " (train only) or " + PLANT_LIFETIME);
    }
    Map<String, String> plantOfUnit = new HashMap<>();
    for (int row = 0; row < plants.rows(); row++) {
      if (plants.value(row, "split").equals(part.key)) {
        plantOfUnit.put(plants.value(row, UNIT), plants.value(row, split));
      }
    }
    CsvTable table = table(part);
    String[] plantOfRow = new String[table.rows()];
    for (int row = 0; row < table.rows(); row++) {
      String unit = table.value(row, UNIT);
      String plant = plantOfUnit.get(unit);
      if (plant == null || plant.equals(UNASSIGNED)) {
        throw new IllegalArgumentException(plants.source() + " does not place " + part.key
            + " engine " + unit + " in a plant under " + split
            + (PLANT_FAULT.equals(split) ? " (" + PLANT_FAULT + " covers the training engines only;"
                + " use " + PLANT_LIFETIME + " for the test engines)" : ""));
      }
      plantOfRow[row] = plant;
    }
    return new PlantSplit(split, table.source(), plantOfRow);
  }

  /** The rows of a part that are each engine's last cycle, in file order (one per engine). */
  public int[] lastCycleRows(Part part) {
    CsvTable table = table(part);
    Map<String, Integer> last = new HashMap<>();
    for (int row = 0; row < table.rows(); row++) {
      String unit = table.value(row, UNIT);
      Integer seen = last.get(unit);
      if (seen == null || cycle(table, row) > cycle(table, seen)) {
        last.put(unit, row);
      }
    }
    return last.values().stream().mapToInt(Integer::intValue).sorted().toArray();
  }

  private static int cycle(CsvTable table, int row) {
    return Integer.parseInt(table.value(row, CYCLE));
  }

  private static List<String> numbered(String prefix, int count) {
    List<String> names = new ArrayList<>();
    IntStream.rangeClosed(1, count).forEach(i -> names.add(prefix + i));
    return List.copyOf(names);
  }
}
