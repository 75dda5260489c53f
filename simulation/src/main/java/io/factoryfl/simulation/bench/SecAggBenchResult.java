package io.factoryfl.simulation.bench;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * One secure-aggregation benchmark round, rendered as one JSON line. Times are milliseconds of
 * compute: {@code clientMs} is the median over the participants that ran all five stages of the sum
 * of their own stage calls (encoding included), {@code coordinatorMs} the sum of the coordinator's
 * calls including dropout recovery and decoding, {@code plainMs} the plain weighted sum of the same
 * float vectors. {@code reason} is null unless the round aborted.
 */
record SecAggBenchResult(int participants, int dim, double dropout, int neighbours, int threshold, int bits,
    int dropped, double clientMs, double clientP90Ms, double coordinatorMs, double recoveryMs, double plainMs,
    double maxAbsError, double errorBound, int parallelism, long seed, String reason) {

  boolean completed() {
    return reason == null;
  }

  String toJson() {
    StringBuilder json = new StringBuilder(400);
    json.append("{\"benchmark\":\"secagg\"")
        .append(",\"participants\":").append(participants)
        .append(",\"dim\":").append(dim)
        .append(",\"dropout\":").append(fraction(dropout))
        .append(",\"neighbours\":").append(neighbours)
        .append(",\"threshold\":").append(threshold)
        .append(",\"bits\":").append(bits)
        .append(",\"dropped\":").append(dropped)
        .append(",\"outcome\":\"").append(completed() ? "completed" : "aborted").append('"');
    if (completed()) {
      json.append(",\"client_ms\":").append(number(clientMs))
          .append(",\"client_p90_ms\":").append(number(clientP90Ms))
          .append(",\"coordinator_ms\":").append(number(coordinatorMs))
          .append(",\"recovery_ms\":").append(number(recoveryMs))
          .append(",\"plain_ms\":").append(number(plainMs))
          .append(",\"max_abs_error\":").append(String.format(Locale.ROOT, "%.3e", maxAbsError))
          .append(",\"error_bound\":").append(String.format(Locale.ROOT, "%.3e", errorBound));
    } else {
      json.append(",\"reason\":\"").append(escape(reason)).append('"');
    }
    return json.append(",\"parallelism\":").append(parallelism)
        .append(",\"seed\":").append(seed).append('}').toString();
  }

  /** Milliseconds to 0.1 ms; other fractions as written (0.3, not 0.30000000000000004). */
  private static String number(double value) {
    return String.format(Locale.ROOT, "%.1f", value);
  }

  private static String fraction(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  private static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> {
          if (c < 0x20) {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
