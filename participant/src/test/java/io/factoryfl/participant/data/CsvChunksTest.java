package io.factoryfl.participant.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvChunksTest {
  @TempDir Path dir;

  @Test
  void aFileIsReadInChunks_withTheHeader_bomQuotesAndBlankLinesAsCsvTableReadsThem() throws Exception {
    String text = "\uFEFFid,note,x\n1,plain,0.5\n\n2,\"comma, and \"\"quote\"\"\",1.5\n3,\"two\nlines\",2.5\n4,z,3\n";
    Path file = dir.resolve("rows.csv");
    Files.writeString(file, text);
    CsvTable whole = CsvTable.parse("rows.csv", text);

    List<CsvTable> chunks = new ArrayList<>();
    try (CsvChunks reader = CsvChunks.open(file, 3)) {
      assertEquals(List.of("id", "note", "x"), reader.header());
      reader.forEachRemaining(chunks::add);
    }
    assertEquals(2, chunks.size());
    assertEquals(3, chunks.get(0).rows());
    assertEquals(1, chunks.get(1).rows());
    for (int row = 0; row < 3; row++) {
      for (String column : whole.header()) {
        assertEquals(whole.value(row, column), chunks.get(0).value(row, column));
      }
    }
    assertEquals("4", chunks.get(1).value(0, "id"));
  }

  @Test
  void aRowOfTheWrongWidth_isRefusedNamingTheLine() throws Exception {
    Path file = dir.resolve("bad.csv");
    Files.writeString(file, "a,b\n1,2\n3\n");
    try (CsvChunks reader = CsvChunks.open(file, 10)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, reader::next);
      assertTrue(e.getMessage().contains("line 3: 1 fields, but the header has 2"), e.getMessage());
    }
    Files.writeString(dir.resolve("empty.csv"), "");
    assertThrows(IllegalArgumentException.class, () -> CsvChunks.open(dir.resolve("empty.csv"), 10));
  }
}
