package io.factoryfl.participant.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.FeatureSchema.CategoricalColumn;
import io.factoryfl.core.data.Normalization;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CSV rules docs/data-format.md states that no other test pins: how cells become numbers,
 * categories and labels, and what the reader refuses.
 */
class SiteCsvFormatTest {
  private static final FeatureSchema ONE_NUMBER =
      new FeatureSchema(List.of("x"), List.of(), "y", List.of("0", "1"));

  @TempDir Path dir;

  @Test
  void numericCell_isTrimmedAndReadWithJavaDoubleSyntax() {
    String[] cells = {" 1.5 ", "+2", "-3e2", ".5", "5.", "0x1p3", "1d", "2f", "\t7\t"};
    double[] expected = {1.5, 2, -300, 0.5, 5, 8, 1, 2, 7};
    StringBuilder csv = new StringBuilder("x,y\n");
    for (String cell : cells) {
      csv.append('"').append(cell).append("\",0\n");
    }
    EncodedData data = TabularEncoder.encode(CsvTable.parse("n.csv", csv.toString()), ONE_NUMBER,
        Normalization.identity(1));
    for (int row = 0; row < cells.length; row++) {
      assertEquals(expected[row], data.row(row)[0], 1e-6, "cell '" + cells[row] + "'");
    }
  }

  @Test
  void numericCell_refusesEmptyNaNInfinityAndLocalisedForms() {
    for (String cell : new String[] {"", " ", "NaN", "nan", "Infinity", "-Infinity", "1e999",
        "1,5", "1 000", "12%", "n/a", "NULL"}) {
      CsvTable table = CsvTable.parse("n.csv", "x,y\n\"" + cell + "\",0\n");
      SiteDataException e = assertThrows(SiteDataException.class,
          () -> TabularEncoder.stats(table, ONE_NUMBER), "cell '" + cell + "'");
      assertEquals(SiteDataException.Kind.INVALID, e.kind());
      assertTrue(e.publicMessage().startsWith("dataset.numeric_features[0]: a value at this site is not a finite"
          + " number"), e.publicMessage());
      // cells a job could impute say so: empty, NaN and NA (any case), nothing else
      assertEquals(cell.isBlank() || cell.equalsIgnoreCase("nan"),
          e.publicMessage().endsWith("(a missing value; the job's dataset.missing_values is refuse)"), cell);
      assertTrue(e.getMessage().startsWith("n.csv line 2 (row 0): column 'x' has value '"),
          e.getMessage());
    }
  }

  @Test
  void labelCell_matchesAClassByExactTextAfterTrimming() {
    FeatureSchema schema = new FeatureSchema(List.of("x"), List.of(), "y", List.of("ok", "Fail"));
    EncodedData data = TabularEncoder.encode(
        CsvTable.parse("l.csv", "x,y\n1, ok \n2,Fail\n"), schema, Normalization.identity(1));
    assertArrayEquals(new int[] {0, 1}, data.labels());

    for (String cell : new String[] {"fail", "FAIL", "", "ok."}) {
      CsvTable table = CsvTable.parse("l.csv", "x,y\n1," + cell + "\n");
      SiteDataException e = assertThrows(SiteDataException.class,
          () -> TabularEncoder.encode(table, schema, Normalization.identity(1)), cell);
      assertEquals("dataset.label: a value at this site is not one of the job's label_classes",
          e.publicMessage());
    }
  }

  @Test
  void labelCell_isNotReadAsANumber() {
    SiteDataException e = assertThrows(SiteDataException.class, () -> TabularEncoder.encode(
        CsvTable.parse("l.csv", "x,y\n1,1.0\n"), ONE_NUMBER, Normalization.identity(1)));
    assertTrue(e.getMessage().contains("label '1.0' in column 'y' is not one of the label classes"
        + " [0, 1]"), e.getMessage());
  }

  @Test
  void categoricalCell_isTrimmedAndCaseSensitive_unknownOrEmptyEncodesAsZeros() {
    FeatureSchema schema = new FeatureSchema(List.of(),
        List.of(new CategoricalColumn("t", List.of("L", "M"))), "y", List.of("0", "1"));
    EncodedData data = TabularEncoder.encode(
        CsvTable.parse("c.csv", "t,y\n L ,0\nl,0\n,1\nH,1\n"), schema, Normalization.identity(0));
    assertArrayEquals(new float[] {1, 0}, data.row(0));
    assertArrayEquals(new float[] {0, 0}, data.row(1));
    assertArrayEquals(new float[] {0, 0}, data.row(2));
    assertArrayEquals(new float[] {0, 0}, data.row(3));
  }

  @Test
  void headerNames_areMatchedExactly_notTrimmed() {
    CsvTable table = CsvTable.parse("h.csv", " x,y\n1,0\n");
    assertEquals(List.of(" x", "y"), table.header());
    SiteDataException e = assertThrows(SiteDataException.class,
        () -> TabularEncoder.stats(table, ONE_NUMBER));
    assertEquals("dataset.numeric_features[0]: the column the job names is not in this site's"
        + " table (plant IT: check the dataset's columns mapping)", e.publicMessage());
  }

  @Test
  void extraColumns_areIgnored_andColumnOrderDoesNotMatter() {
    EncodedData data = TabularEncoder.encode(
        CsvTable.parse("o.csv", "y,note,x\n1,anything,4\n"), ONE_NUMBER, Normalization.identity(1));
    assertArrayEquals(new float[] {4}, data.row(0));
    assertArrayEquals(new int[] {1}, data.labels());
  }

  @Test
  void loneCarriageReturn_endsALine() {
    CsvTable table = CsvTable.parse("r.csv", "x,y\r1,0\r2,1\r");
    assertEquals(2, table.rows());
    assertEquals("2", table.value(1, "x"));
  }

  @Test
  void reader_refusesQuotesInsideUnquotedFields_textAfterAClosingQuote_andBlankHeaderNames() {
    IllegalArgumentException quote = assertThrows(IllegalArgumentException.class,
        () -> CsvTable.parse("q.csv", "x,y\n1 \"in\",0\n"));
    assertEquals("q.csv line 2: unexpected '\"' inside an unquoted field (quote the whole field"
        + " and double the quote)", quote.getMessage());
    IllegalArgumentException after = assertThrows(IllegalArgumentException.class,
        () -> CsvTable.parse("q.csv", "x,y\n\"1\" ,0\n"));
    assertEquals("q.csv line 2: unexpected character ' ' after a closing quote", after.getMessage());
    IllegalArgumentException blank = assertThrows(IllegalArgumentException.class,
        () -> CsvTable.parse("q.csv", "x,,y\n1,2,0\n"));
    assertEquals("q.csv line 1: header column 2 is blank", blank.getMessage());
  }

  @Test
  void semicolonSeparatedFile_isOneColumn_soTheJobsColumnsAreMissing() {
    CsvTable table = CsvTable.parse("s.csv", "x;y\n1;0\n");
    assertEquals(List.of("x;y"), table.header());
    assertThrows(SiteDataException.class, () -> TabularEncoder.stats(table, ONE_NUMBER));
  }

  @Test
  void read_refusesAFileThatIsNotUtf8() throws Exception {
    Path file = dir.resolve("latin1.csv");
    Files.write(file, new byte[] {'x', ',', 'y', '\n', '1', ',', (byte) 0xE4, '\n'});
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> CsvTable.read(file));
    assertTrue(e.getMessage().startsWith("cannot read CSV file " + file), e.getMessage());
  }
}
