package io.factoryfl.coordinator.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.factoryfl.proto.v1.RoundEvent;
import io.factoryfl.proto.v1.TaskRefused;
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
  void eventLine_escapesARefusalReasonFromAParticipant() {
    RoundEvent event = RoundEvent.newBuilder().setRound(2).setRefused(TaskRefused.newBuilder()
        .setParticipant("site-a").setReason("\u001b]0;pwned\u0007bad cell")).build();

    assertEquals("round 2: site-a refused the task: \\u001b]0;pwned\\u0007bad cell",
        EventFormat.line(event));
  }
}
