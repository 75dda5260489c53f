package io.factoryfl.participant.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.FeatureSchema.CategoricalColumn;
import io.factoryfl.core.data.FeatureStats;
import io.factoryfl.core.data.Normalization;
import java.util.List;
import org.junit.jupiter.api.Test;

class TabularEncoderTest {

  private static final FeatureSchema SCHEMA = new FeatureSchema(
      List.of("temp", "speed"),
      List.of(new CategoricalColumn("Type", List.of("H", "L", "M"))),
      "failure",
      List.of("0", "1"));

  private static final CsvTable TABLE = CsvTable.parse("plant-a.csv",
      "id,Type,temp,speed,failure\n"
          + "1,L,300,1500,0\n"
          + "2,M,302,1400,1\n"
          + "3,H,304,1600,0\n"
          + "4,X,306,1500,1\n");

  @Test
  void encode_oneHotEncodesInTheSchemasCategoryOrder() {
    EncodedData data = TabularEncoder.encode(TABLE, SCHEMA, Normalization.identity(2));
    float[][] features = data.features();
    // layout: temp, speed, H, L, M
    assertArrayEquals(new float[] {300, 1500, 0, 1, 0}, features[0]);
    assertArrayEquals(new float[] {302, 1400, 0, 0, 1}, features[1]);
    assertArrayEquals(new float[] {304, 1600, 1, 0, 0}, features[2]);
  }

  @Test
  void encode_encodesUnknownCategoryAsAllZeros() {
    EncodedData data = TabularEncoder.encode(TABLE, SCHEMA, Normalization.identity(2));
    assertArrayEquals(new float[] {306, 1500, 0, 0, 0}, data.features()[3]);
  }

  @Test
  void encode_mapsLabelsToTheirClassIndex() {
    FeatureSchema reversed = new FeatureSchema(SCHEMA.numericColumns(),
        SCHEMA.categoricalColumns(), "failure", List.of("1", "0"));
    assertArrayEquals(new int[] {0, 1, 0, 1},
        TabularEncoder.encode(TABLE, SCHEMA, Normalization.identity(2)).labels());
    assertArrayEquals(new int[] {1, 0, 1, 0},
        TabularEncoder.encode(TABLE, reversed, Normalization.identity(2)).labels());
  }

  @Test
  void encode_standardisesNumericColumnsWithStatsOfTheTable() {
    FeatureStats stats = TabularEncoder.stats(TABLE, SCHEMA);
    assertEquals(4, stats.count());
    assertArrayEquals(new double[] {1212, 6000}, stats.sum(), 1e-9);
    EncodedData data = TabularEncoder.encode(TABLE, SCHEMA, stats.toNormalization());
    double sum = 0;
    double squares = 0;
    for (float[] row : data.features()) {
      sum += row[0];
      squares += row[0] * row[0];
    }
    assertEquals(0.0, sum / 4, 1e-6);
    assertEquals(1.0, squares / 4, 1e-6);
    // temp 300 with mean 303 and population std sqrt(5)
    assertEquals(-3 / Math.sqrt(5), data.features()[0][0], 1e-6);
  }

  @Test
  void encode_rejectsUnknownLabelNamingLineRowAndValue() {
    CsvTable table = CsvTable.parse("plant-b.csv",
        "Type,temp,speed,failure\nL,300,1500,0\nL,300,1500,maybe\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TabularEncoder.encode(table, SCHEMA, Normalization.identity(2)));
    assertEquals("plant-b.csv line 3 (row 1): label 'maybe' in column 'failure' is not one of"
        + " the label classes [0, 1]", e.getMessage());
  }

  @Test
  void stats_rejectsUnparseableNumberNamingFileLineColumnAndValue() {
    CsvTable table = CsvTable.parse("plant-c.csv",
        "Type,temp,speed,failure\nL,300,1500,0\nL,hot,1500,0\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TabularEncoder.stats(table, SCHEMA));
    assertEquals("plant-c.csv line 3 (row 1): column 'temp' has value 'hot', expected a finite"
        + " number", e.getMessage());
  }

  @Test
  void encode_rejectsTableWithoutASchemaColumn() {
    CsvTable table = CsvTable.parse("plant-d.csv", "Type,temp,failure\nL,300,0\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TabularEncoder.encode(table, SCHEMA, Normalization.identity(2)));
    assertTrue(e.getMessage().contains("'speed'") && e.getMessage().contains("plant-d.csv"),
        e.getMessage());
  }

  @Test
  void stats_ofPartsMergeToStatsOfTheWholeTable() {
    FeatureStats whole = TabularEncoder.stats(TABLE, SCHEMA);
    FeatureStats merged = TabularEncoder.stats(TABLE.select(new int[] {0, 3}), SCHEMA)
        .merge(TabularEncoder.stats(TABLE.select(new int[] {1, 2}), SCHEMA));
    assertEquals(whole, merged);
  }

  @Test
  void missingValues_areRefusedByDefault_andUnderImputeMeanSkippedInStatsAndEncodedAsTheMean() {
    CsvTable gaps = CsvTable.parse("gaps.csv", "x,y,label\n1,,0\nNaN,4,1\n3,NA,0\n");
    FeatureSchema refuse = new FeatureSchema(java.util.List.of("x", "y"), java.util.List.of(), "label",
        java.util.List.of("0", "1"));
    SiteDataException refused = org.junit.jupiter.api.Assertions.assertThrows(SiteDataException.class,
        () -> TabularEncoder.stats(gaps, refuse));
    assertTrue(refused.publicMessage().contains("missing value; the job's dataset.missing_values is refuse"),
        refused.publicMessage());

    FeatureSchema impute = new FeatureSchema(java.util.List.of("x", "y"), java.util.List.of(), "label",
        java.util.List.of("0", "1"), io.factoryfl.core.data.MissingValues.IMPUTE_MEAN);
    io.factoryfl.core.data.FeatureStats stats = TabularEncoder.stats(gaps, impute);
    org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {2, 1}, stats.present());
    org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {4, 4}, stats.sum());
    io.factoryfl.core.data.Normalization n = stats.toNormalization();
    EncodedData data = TabularEncoder.encode(gaps, impute, n);
    assertEquals(0f, data.row(0)[1], "a missing y takes the mean");
    assertEquals(0f, data.row(1)[0], "NaN x takes the mean");
    assertEquals((float) ((1 - 2) / 1.0), data.row(0)[0], 1e-6f);

    CsvTable garbage = CsvTable.parse("garbage.csv", "x,y,label\nabc,1,0\n");
    org.junit.jupiter.api.Assertions.assertThrows(SiteDataException.class, () -> TabularEncoder.stats(garbage, impute),
        "text that is not a number is refused even when missing values are imputed");
  }
}
