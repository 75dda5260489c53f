package io.factoryfl.core.ops;

import java.util.Locale;

/** How a FactoryFL process writes its diagnostic log lines (to standard error). */
public enum LogFormat {
  /** One human-readable line per event: time, level, thread, logger, message. */
  TEXT,
  /** One JSON object per line (Logback's {@code JsonEncoder}), for log collectors. */
  JSON;

  /**
   * The format named by a {@code --log-format} value.
   *
   * @throws IllegalArgumentException naming the value and the choices
   */
  public static LogFormat parse(String value) {
    for (LogFormat format : values()) {
      if (format.name().toLowerCase(Locale.ROOT).equals(value)) {
        return format;
      }
    }
    throw new IllegalArgumentException("--log-format was '" + value + "'; use text or json");
  }
}
