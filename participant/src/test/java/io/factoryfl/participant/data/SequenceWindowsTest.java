package io.factoryfl.participant.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.Normalization;
import io.factoryfl.core.data.SequenceSpec;
import io.factoryfl.core.task.LabelClip;
import io.factoryfl.core.task.LabelScale;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rows into windows of their group's last rows, in memory and streamed. */
class SequenceWindowsTest {
  private static final FeatureSchema SCHEMA = new FeatureSchema(List.of("a", "b"), List.of(), "rul", List.of());
  private static final Normalization IDENTITY = new Normalization(new double[] {0, 0}, new double[] {1, 1});
  private static final SequenceSpec WINDOW_3 = new SequenceSpec("unit", "cycle", 3, SequenceSpec.EvalRows.ALL);

  /** Engine 1 has cycles 1..4, engine 2 cycles 1..2; a = cycle, b = 10 * unit + cycle. */
  private static final String SORTED = """
      unit,cycle,a,b,rul
      1,1,1,11,3
      1,2,2,12,2
      2,1,1,21,1
      1,3,3,13,1
      2,2,2,22,0
      1,4,4,14,0
      """;

  private static EncodedData rows(CsvTable table) {
    return TabularEncoder.encode(table, SCHEMA, IDENTITY, LabelClip.NONE, LabelScale.IDENTITY);
  }

  @Test
  void eachRowBecomesItsGroupsLastRows_featureMajor_paddedWithTheFirstRow() {
    CsvTable table = CsvTable.parse("engines.csv", SORTED);
    EncodedData windows = SequenceWindows.of(table, rows(table), WINDOW_3, false);
    assertEquals(6, windows.size());
    assertEquals(6, windows.numFeatures());
    // row 0: engine 1 cycle 1, padded twice with itself: a = 1,1,1; b = 11,11,11
    assertArrayEquals(new float[] {1, 1, 1, 11, 11, 11}, windows.row(0));
    // row 3: engine 1 cycle 3: a = 1,2,3; b = 11,12,13
    assertArrayEquals(new float[] {1, 2, 3, 11, 12, 13}, windows.row(3));
    // row 4: engine 2 cycle 2: padded with engine 2's first row only
    assertArrayEquals(new float[] {1, 1, 2, 21, 21, 22}, windows.row(4));
    // row 5: engine 1 cycle 4: the window slides
    assertArrayEquals(new float[] {2, 3, 4, 12, 13, 14}, windows.row(5));
    assertArrayEquals(new double[] {3, 2, 1, 1, 0, 0}, windows.targets());
  }

  @Test
  void rowOrderInTheFileDoesNotChangeAWindow_andLastOnlyKeepsEachGroupsLastRow() {
    CsvTable sorted = CsvTable.parse("engines.csv", SORTED);
    CsvTable shuffled = sorted.select(new int[] {5, 2, 0, 4, 3, 1});
    EncodedData windows = SequenceWindows.of(shuffled, rows(shuffled), WINDOW_3, false);
    assertArrayEquals(new float[] {2, 3, 4, 12, 13, 14}, windows.row(0));
    assertArrayEquals(new float[] {1, 1, 1, 11, 11, 11}, windows.row(2));
    EncodedData last = SequenceWindows.of(shuffled, rows(shuffled), WINDOW_3, true);
    assertEquals(2, last.size());
    assertArrayEquals(new float[] {2, 3, 4, 12, 13, 14}, last.row(0));
    assertArrayEquals(new float[] {1, 1, 2, 21, 21, 22}, last.row(1));
  }

  @Test
  void aStream_givesTheInMemoryWindowsAcrossChunkBoundaries() {
    CsvTable table = CsvTable.parse("engines.csv", SORTED);
    EncodedData whole = SequenceWindows.of(table, rows(table), WINDOW_3, false);
    SequenceWindows.Stream stream = new SequenceWindows.Stream(WINDOW_3, false);
    int at = 0;
    for (int[] chunk : new int[][] {{0, 1}, {2, 3, 4}, {5}}) {
      CsvTable part = table.select(chunk);
      EncodedData windows = stream.next(part, rows(part));
      for (int i = 0; i < windows.size(); i++, at++) {
        assertArrayEquals(whole.row(at), windows.row(i), "row " + at);
      }
    }
    assertEquals(6, at);
    SequenceWindows.Stream last = new SequenceWindows.Stream(WINDOW_3, true);
    CsvTable head = table.select(new int[] {0, 1, 2});
    CsvTable tail = table.select(new int[] {3, 4, 5});
    assertEquals(0, last.next(head, rows(head)).size(), "nothing before the end of the file");
    assertEquals(0, last.next(tail, rows(tail)).size());
    EncodedData lastWindows = last.lastWindows();
    EncodedData inMemory = SequenceWindows.of(table, rows(table), WINDOW_3, true);
    assertEquals(inMemory, lastWindows);
    assertArrayEquals(whole.row(4), lastWindows.row(0));
  }

  @Test
  void duplicateOrNonNumericOrders_andMissingColumns_areRefusedNamingTheField() {
    CsvTable duplicate = CsvTable.parse("dup.csv", "unit,cycle,a,b,rul\n1,1,1,1,1\n1,1,2,2,0\n");
    SiteDataException twice = assertThrows(SiteDataException.class,
        () -> SequenceWindows.of(duplicate, rows(duplicate), WINDOW_3, false));
    assertTrue(twice.publicMessage().startsWith("dataset.sequence.order"), twice.publicMessage());
    assertTrue(twice.getMessage().contains("dup.csv line 3"), twice.getMessage());
    CsvTable text = CsvTable.parse("text.csv", "unit,cycle,a,b,rul\n1,first,1,1,1\n");
    assertThrows(SiteDataException.class, () -> SequenceWindows.of(text, rows(text), WINDOW_3, false));
    CsvTable noGroup = CsvTable.parse("nogroup.csv", "engine,cycle,a,b,rul\n1,1,1,1,1\n");
    SiteDataException missing = assertThrows(SiteDataException.class,
        () -> SequenceWindows.of(noGroup, rows(noGroup), WINDOW_3, false));
    assertTrue(missing.publicMessage().startsWith("dataset.sequence.group"), missing.publicMessage());
    CsvTable backwards = CsvTable.parse("back.csv", "unit,cycle,a,b,rul\n1,2,1,1,1\n1,1,2,2,0\n");
    SiteDataException back = assertThrows(SiteDataException.class,
        () -> new SequenceWindows.Stream(WINDOW_3, false).next(backwards, rows(backwards)));
    assertTrue(back.getMessage().contains("sort it by unit and then cycle"), back.getMessage());
  }
}
