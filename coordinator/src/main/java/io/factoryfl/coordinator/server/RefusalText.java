package io.factoryfl.coordinator.server;

import io.factoryfl.core.text.Printable;
import io.factoryfl.proto.v1.RefusalCode;
import io.factoryfl.proto.v1.TaskRefusal;
import java.util.Locale;

/**
 * How a site's refusal reads in round events and the round log: its code in brackets, then its
 * message, e.g. {@code [policy] site policy: this site requires secure aggregation ...}. A site is
 * not trusted, so the text is cut to one line of bounded length with control characters removed
 * before it reaches any log, event stream or terminal.
 */
final class RefusalText {
  static final int MAX_CHARS = 500;

  private RefusalText() {}

  static String of(TaskRefusal refusal) {
    RefusalCode code = refusal.getCode();
    String name = code == RefusalCode.UNRECOGNIZED || code == RefusalCode.REFUSAL_CODE_UNSPECIFIED
        ? "unspecified" : code.name().toLowerCase(Locale.ROOT);
    return "[" + name + "] " + clean(refusal.getReason());
  }

  private static String clean(String text) {
    return Printable.oneLine(text, MAX_CHARS);
  }
}
