package io.factoryfl.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** Nothing a participant sends can drive an engineer's terminal. */
class PrintableTest {
  @Test
  void escape_writesControlCharactersAsVisibleEscapes() {
    assertEquals("a\\u001b[2Jb\\u0007c\\u000a", Printable.escape("a\u001b[2Jb\u0007c\n"));
  }

  @Test
  void escape_coversDelC1AndBidiOverrides() {
    assertEquals("\\u007f\\u009b\\u202e\\u2066x", Printable.escape("\u007f\u009b\u202e\u2066x"));
  }

  @Test
  void escape_leavesOrdinaryTextAlone() {
    String text = "Presse Süd – 東京 ✓";

    assertSame(text, Printable.escape(text));
  }

  @Test
  void oneLine_removesControlsBidiAndZeroWidthCharacters_andCapsTheLength() {
    assertEquals("a [2J b c", Printable.oneLine("a\u001b[2J\n b\u202e\u200b\tc", 50));
    String capped = Printable.oneLine("x".repeat(100), 20);
    assertEquals(20, capped.length());
    assertEquals("x".repeat(17) + "...", capped);
    assertEquals("short", Printable.oneLine("  short \n", 20));
  }
}
