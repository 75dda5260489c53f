package io.factoryfl.core.text;

import java.util.Locale;

/**
 * Makes text that crossed from another party safe to print or to log: {@link #escape} for a
 * terminal, {@link #oneLine} for a bounded one-line reason. Makes text from the server safe to
 * print on a terminal. Reasons, names and messages can come
 * from participants, and a participant must not be able to move the cursor, clear the screen,
 * rewrite earlier lines or reverse text on an engineer's terminal: every C0 and C1 control
 * character, DEL, line or paragraph separator and bidirectional mark, embedding, override or
 * isolate is written as a visible backslash-u escape instead.
 */
public final class Printable {
  private Printable() {}

  /** The text with each unprintable character escaped; null becomes the empty string. */
  public static String escape(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = null;
    for (int i = 0; i < text.length(); ) {
      int c = text.codePointAt(i);
      int next = i + Character.charCount(c);
      if (isUnprintable(c)) {
        if (out == null) {
          out = new StringBuilder(text.length() + 16).append(text, 0, i);
        }
        out.append(String.format(Locale.ROOT, "\\u%04x", c));
      } else if (out != null) {
        out.append(text, i, next);
      }
      i = next;
    }
    return out == null ? text : out.toString();
  }

  /** C0 and C1 controls, DEL, U+2028/2029 and the bidirectional formatting characters. */
  public static boolean isUnprintable(int c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f
        || c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
  }

  /**
   * The text as one line of at most {@code maxChars} characters: every whitespace run, control,
   * unprintable or other format character (zero-width, bidi) becomes one space, the ends are
   * stripped, and a longer text is cut to {@code maxChars} ending in "...". For reasons that cross
   * between a site and the coordinator.
   */
  public static String oneLine(String text, int maxChars) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), maxChars));
    boolean space = false;
    for (int i = 0; i < text.length() && out.length() <= maxChars; ) {
      int c = text.codePointAt(i);
      i += Character.charCount(c);
      if (Character.isWhitespace(c) || isUnprintable(c) || Character.getType(c) == Character.FORMAT) {
        space = out.length() > 0;
        continue;
      }
      if (space) {
        out.append(' ');
        space = false;
      }
      out.appendCodePoint(c);
    }
    return out.length() <= maxChars ? out.toString() : out.substring(0, maxChars - 3) + "...";
  }
}
