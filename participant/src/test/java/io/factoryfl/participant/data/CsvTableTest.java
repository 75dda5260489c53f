package io.factoryfl.participant.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTableTest {

  @TempDir Path dir;

  private Path write(String content) throws IOException {
    Path file = dir.resolve("site.csv");
    Files.writeString(file, content);
    return file;
  }

  @Test
  void read_parsesHeaderRowsAndQuotedFields() throws IOException {
    CsvTable table = CsvTable.read(write(
        "\uFEFFid,name,note\r\n"
            + "1,\"Press, hydraulic\",\"says \"\"ok\"\"\"\r\n"
            + "\n"
            + "2,Lathe,\"two\nlines\"\n"
            + "3,Mill,\n"));
    assertEquals(List.of("id", "name", "note"), table.header());
    assertEquals(3, table.rows());
    assertEquals("Press, hydraulic", table.value(0, "name"));
    assertEquals("says \"ok\"", table.value(0, "note"));
    assertEquals("two\nlines", table.value(1, "note"));
    assertEquals("", table.value(2, "note"));
    // the blank line 3 is skipped; the quoted line break moves row 3 to line 6
    assertEquals(2, table.lineNumber(0));
    assertEquals(4, table.lineNumber(1));
    assertEquals(6, table.lineNumber(2));
  }

  @Test
  void columnIndex_ofMissingColumnNamesColumnFileAndAvailableColumns() throws IOException {
    Path file = write("a,b\n1,2\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CsvTable.read(file).columnIndex("Torque [Nm]"));
    assertTrue(e.getMessage().contains("'Torque [Nm]'"), e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("[a, b]"), e.getMessage());
  }

  @Test
  void read_rejectsRowWithWrongFieldCountNamingPathAndLine() throws IOException {
    Path file = write("a,b\n1,2\n3,4,5\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CsvTable.read(file));
    assertTrue(e.getMessage().startsWith(file + " line 3:"), e.getMessage());
    assertTrue(e.getMessage().contains("expected 2 fields"), e.getMessage());
  }

  @Test
  void read_rejectsUnclosedQuoteNamingItsLine() throws IOException {
    Path file = write("a,b\n1,\"open\n2,3\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CsvTable.read(file));
    assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("not closed"),
        e.getMessage());
  }

  @Test
  void read_rejectsEmptyFileAndDuplicateColumns() throws IOException {
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
        () -> CsvTable.read(write("")));
    assertTrue(empty.getMessage().contains("header"), empty.getMessage());
    IllegalArgumentException duplicate = assertThrows(IllegalArgumentException.class,
        () -> CsvTable.read(write("a,b,a\n1,2,3\n")));
    assertTrue(duplicate.getMessage().contains("'a' appears twice"), duplicate.getMessage());
  }

  @Test
  void read_ofMissingFileNamesThePath() {
    Path missing = dir.resolve("nope.csv");
    Exception e = assertThrows(java.io.UncheckedIOException.class, () -> CsvTable.read(missing));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
  }

  @Test
  void select_keepsLineNumbersOfTheOriginalRows() {
    CsvTable table = CsvTable.parse("mem", "x\n10\n20\n30\n");
    CsvTable picked = table.select(new int[] {2, 0});
    assertEquals("30", picked.value(0, "x"));
    assertEquals(4, picked.lineNumber(0));
    assertEquals(2, picked.lineNumber(1));
  }
}
