package io.factoryfl.core.ledger;

import io.factoryfl.core.ledger.ReportModel.Attempt;
import io.factoryfl.core.ledger.ReportModel.Job;
import io.factoryfl.core.ledger.ReportModel.Round;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The inline SVG of the audit report: a timeline of round attempts and one small line chart per
 * metric. Plain SVG elements with {@code <title>} tooltips; no scripts, fonts or images.
 */
final class ReportCharts {

  private static final String[] PALETTE =
      {"#1f6fb2", "#c2571a", "#2e8540", "#8a3ab9", "#b8860b", "#00838f", "#ad1457"};

  private ReportCharts() {}

  /** One row per round attempt, from its opening to its close or failure, on a time axis. */
  static void timeline(StringBuilder h, Job job) {
    List<long[]> bars = new ArrayList<>(); // round, attempt, start, end (epoch ms), status
    List<String> titles = new ArrayList<>();
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (Round round : job.rounds.values()) {
      for (Attempt a : round.attempts.values()) {
        if (a.opened == null) {
          continue;
        }
        long s = a.opened.toEpochMilli();
        long e = a.end() == null ? s : a.end().toEpochMilli();
        int status = a.closed != null ? 0 : a.failed != null ? 1 : 2;
        bars.add(new long[] {round.number, a.number, s, e, status});
        titles.add("round " + round.number + " attempt " + a.number + ": " + a.opened + " to "
            + (a.end() == null ? "(still open)" : a.end()) + (a.failedReason == null ? ""
            : ", failed: " + a.failedReason));
        min = Math.min(min, s);
        max = Math.max(max, e);
      }
    }
    if (bars.isEmpty()) {
      h.append("<p>No rounds were opened.</p>\n");
      return;
    }
    int left = 70;
    int width = 900;
    int rowHeight = 20;
    int height = 30 + rowHeight * bars.size();
    double span = Math.max(1, max - min);
    h.append("<svg class=\"timeline\" role=\"img\" viewBox=\"0 0 ").append(left + width + 20)
        .append(' ').append(height).append("\" width=\"").append(left + width + 20)
        .append("\" height=\"").append(height).append("\"><title>Timeline of ")
        .append(bars.size()).append(" round attempts of job ").append(AuditReport.esc(job.id))
        .append("</title>");
    h.append("<text x=\"").append(left).append("\" y=\"14\" class=\"axis\">")
        .append(Instant.ofEpochMilli(min)).append("</text><text x=\"").append(left + width)
        .append("\" y=\"14\" text-anchor=\"end\" class=\"axis\">")
        .append(Instant.ofEpochMilli(max)).append("</text>");
    String[] colours = {"#2e8540", "#c62828", "#9e9e9e"};
    for (int i = 0; i < bars.size(); i++) {
      long[] b = bars.get(i);
      double x = left + (b[2] - min) / span * width;
      double w = Math.max(4, (b[3] - b[2]) / span * width);
      int y = 22 + i * rowHeight;
      h.append("<g data-round=\"").append(b[0]).append("\"><title>").append(AuditReport.esc(titles.get(i)))
          .append("</title><text x=\"4\" y=\"").append(y + 13).append("\" class=\"axis\">R")
          .append(b[0]).append(b[1] == 0 ? "" : "." + b[1]).append("</text><rect x=\"")
          .append(num(x)).append("\" y=\"").append(y + 2).append("\" width=\"").append(num(w))
          .append("\" height=\"").append(rowHeight - 6).append("\" rx=\"3\" fill=\"")
          .append(colours[(int) b[4]]).append("\"/></g>");
    }
    h.append("</svg>\n<p class=\"legend\"><span style=\"color:#2e8540\">&#9632;</span> closed"
        + " <span style=\"color:#c62828\">&#9632;</span> failed"
        + " <span style=\"color:#9e9e9e\">&#9632;</span> still open</p>\n");
  }

  /** One small chart per metric over the rounds: round_closed metrics and evaluations. */
  static void metrics(StringBuilder h, Job job) {
    Map<String, Map<Long, Double>> series = new LinkedHashMap<>();
    for (Round round : job.rounds.values()) {
      Attempt closed = round.closed();
      if (closed != null) {
        AuditReport.numbersOf(closed.closed.get("metrics")).forEach((k, v) ->
            series.computeIfAbsent(k, x -> new LinkedHashMap<>()).put(round.number, v));
      }
      if (round.evaluation != null) {
        AuditReport.numbersOf(round.evaluation).forEach((k, v) -> series.computeIfAbsent("evaluation " + k,
            x -> new LinkedHashMap<>()).put(round.number, v));
      }
    }
    if (series.isEmpty()) {
      h.append("<p>No metrics were recorded.</p>\n");
      return;
    }
    h.append("<div class=\"charts\">");
    int colour = 0;
    for (Map.Entry<String, Map<Long, Double>> s : series.entrySet()) {
      chart(h, s.getKey(), s.getValue(), PALETTE[colour++ % PALETTE.length]);
    }
    h.append("</div>\n");
  }

  private static void chart(StringBuilder h, String name, Map<Long, Double> points,
      String colour) {
    int w = 300;
    int ht = 170;
    int left = 52;
    int right = 12;
    int top = 26;
    int bottom = 28;
    double minX = points.keySet().stream().mapToLong(Long::longValue).min().orElse(0);
    double maxX = points.keySet().stream().mapToLong(Long::longValue).max().orElse(1);
    double minY = points.values().stream().mapToDouble(Double::doubleValue).min().orElse(0);
    double maxY = points.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
    if (maxY - minY < 1e-12) {
      minY -= 0.5;
      maxY += 0.5;
    }
    double spanX = Math.max(1, maxX - minX);
    double plotW = w - left - right;
    double plotH = ht - top - bottom;
    h.append("<figure class=\"chart\" data-metric=\"").append(AuditReport.esc(name))
        .append("\"><svg role=\"img\" viewBox=\"0 0 ").append(w).append(' ').append(ht)
        .append("\" width=\"").append(w).append("\" height=\"").append(ht).append("\"><title>")
        .append(AuditReport.esc(name)).append(" by round</title><text x=\"").append(left)
        .append("\" y=\"16\" class=\"name\">").append(AuditReport.esc(name)).append("</text>")
        .append("<line x1=\"").append(left).append("\" y1=\"").append(top).append("\" x2=\"")
        .append(left).append("\" y2=\"").append(ht - bottom).append("\" class=\"frame\"/>")
        .append("<line x1=\"").append(left).append("\" y1=\"").append(ht - bottom)
        .append("\" x2=\"").append(w - right).append("\" y2=\"").append(ht - bottom)
        .append("\" class=\"frame\"/>")
        .append("<text x=\"").append(left - 4).append("\" y=\"").append(top + 4)
        .append("\" text-anchor=\"end\" class=\"axis\">").append(AuditReport.fmt(maxY)).append("</text>")
        .append("<text x=\"").append(left - 4).append("\" y=\"").append(ht - bottom)
        .append("\" text-anchor=\"end\" class=\"axis\">").append(AuditReport.fmt(minY)).append("</text>")
        .append("<text x=\"").append(left).append("\" y=\"").append(ht - 8)
        .append("\" class=\"axis\">round ").append((long) minX).append("</text>")
        .append("<text x=\"").append(w - right).append("\" y=\"").append(ht - 8)
        .append("\" text-anchor=\"end\" class=\"axis\">round ").append((long) maxX)
        .append("</text>");
    StringBuilder line = new StringBuilder();
    StringBuilder dots = new StringBuilder();
    for (Map.Entry<Long, Double> p : points.entrySet()) {
      double x = left + (p.getKey() - minX) / spanX * plotW;
      double y = top + (maxY - p.getValue()) / (maxY - minY) * plotH;
      line.append(num(x)).append(',').append(num(y)).append(' ');
      dots.append("<circle cx=\"").append(num(x)).append("\" cy=\"").append(num(y))
          .append("\" r=\"3\" fill=\"").append(colour).append("\"><title>round ")
          .append(p.getKey()).append(": ").append(AuditReport.fmt(p.getValue())).append("</title></circle>");
    }
    h.append("<polyline fill=\"none\" stroke=\"").append(colour)
        .append("\" stroke-width=\"2\" points=\"").append(line.toString().strip())
        .append("\"/>").append(dots).append("</svg></figure>");
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }
}
