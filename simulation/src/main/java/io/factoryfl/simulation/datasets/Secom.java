package io.factoryfl.simulation.datasets;

import io.factoryfl.participant.data.CsvTable;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The bundled UCI SECOM semiconductor manufacturing set: binary pass/fail with many missing
 * values. Files under {@code /datasets/secom/} (attribution in NOTICE, description in the README
 * there):
 *
 * <ul>
 *   <li>{@code secom.csv}: 1,567 rows in production order; columns {@code f0..f589} (anonymised
 *       sensor features), {@value #LABEL} ({@value #PASS} pass, {@value #FAIL} fail: 1,463 / 104)
 *       and {@value #TIMESTAMP} (ISO local time). 41,951 cells are missing, written
 *       {@value #MISSING}; the participant's encoder refuses such a cell today, so a scenario must
 *       choose columns without them or a missing-value policy first.
 *   <li>{@link #LABEL_CLASSES} lists the classes in output order, the failure last (the positive
 *       class for ROC and PR curves).
 *   <li>Natural plant split ({@code plants.csv}, matched by row order): {@value #PLANT_TIME_BLOCK},
 *       four consecutive production periods of about 392 rows with different fail rates.
 * </ul>
 */
public final class Secom {
  public static final String NAME = "secom";
  public static final String LABEL = "label";
  public static final String PASS = "-1";
  public static final String FAIL = "1";
  public static final List<String> LABEL_CLASSES = List.of(PASS, FAIL);
  public static final String TIMESTAMP = "timestamp";
  public static final String MISSING = "NaN";
  public static final int FEATURES = 590;
  public static final String PLANT_TIME_BLOCK = "plant_time_block";

  private final CsvTable table;
  private final CsvTable plants;

  private Secom(CsvTable table, CsvTable plants) {
    this.table = table;
    this.plants = plants;
  }

  /** Reads the bundled files (about 5.5 MB of text). */
  public static Secom load() {
    return new Secom(BundledFiles.table("secom/secom.csv"), BundledFiles.table("secom/plants.csv"));
  }

  public CsvTable table() {
    return table;
  }

  /** {@code f0 .. f589}, in file order. */
  public static List<String> featureColumns() {
    return IntStream.range(0, FEATURES).mapToObj(i -> "f" + i).toList();
  }

  /**
   * The plant of every row under a plant split of {@code plants.csv}.
   *
   * @param split {@value #PLANT_TIME_BLOCK}
   * @throws IllegalArgumentException if the split is unknown or {@code plants.csv} does not match
   *     {@code secom.csv} row for row (row number, label and timestamp)
   */
  public PlantSplit plants(String split) {
    if (!PLANT_TIME_BLOCK.equals(split)) {
      throw new IllegalArgumentException("SECOM has no plant split '" + split + "'; use "
          + PLANT_TIME_BLOCK);
    }
    if (plants.rows() != table.rows()) {
      throw new IllegalArgumentException(plants.source() + " has " + plants.rows() + " rows but "
          + table.source() + " has " + table.rows() + "; they are matched by row order");
    }
    String[] plantOfRow = new String[table.rows()];
    for (int row = 0; row < table.rows(); row++) {
      if (!plants.value(row, "row").equals(Integer.toString(row))
          || !plants.value(row, LABEL).equals(table.value(row, LABEL))
          || !plants.value(row, TIMESTAMP).equals(table.value(row, TIMESTAMP))) {
        throw new IllegalArgumentException(plants.source() + " line " + plants.lineNumber(row)
            + " does not describe row " + row + " of " + table.source()
            + " (row number, label and timestamp must match)");
      }
      plantOfRow[row] = plants.value(row, split);
    }
    return new PlantSplit(split, table.source(), plantOfRow);
  }
}
