package io.factoryfl.core.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import io.factoryfl.core.ledger.ReportModel.Attempt;
import io.factoryfl.core.ledger.ReportModel.Event;
import io.factoryfl.core.ledger.ReportModel.Job;
import io.factoryfl.core.ledger.ReportModel.Round;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders a ledger as one self-contained HTML page for people: per job a timeline of rounds,
 * cohort, contributors and dropouts per round, charts of the metrics, the secure-aggregation
 * (privacy) parameters, the model hashes, refusals and admin actions. The page has no scripts,
 * no external style sheets, fonts or images (charts are inline SVG), so it opens offline and
 * can be archived with the ledger. Every value from the ledger is HTML-escaped.
 *
 * <p>Every round element carries {@code data-job} and {@code data-round} attributes, and the
 * head lists all rounds in {@code <meta name="factoryfl-rounds">} ({@code job:round}, space
 * separated), so tools can check that the rendered page shows each one.
 *
 * <p>The report checks the hash chain and the record rules and shows the first problem, but it
 * does not check signatures (that needs the CA): {@code audit verify} does.
 *
 * <p>Records after the last signed record (and after the record the signed head {@code
 * <ledger>.head} names, when that file is there) are covered by no signature, so anyone could
 * have appended them: they are left out of the jobs and rounds, the page says so at the top,
 * and they are listed at the end under "Unsigned records (not verified)".
 */
public final class AuditReport {

  private AuditReport() {}

  /**
   * Reads {@code ledger} and writes the report to {@code html} (replacing it).
   *
   * @throws IOException if the ledger cannot be read or the page cannot be written
   */
  public static void write(Path ledger, Path html) throws IOException {
    byte[] content = Files.readAllBytes(ledger);
    Path name = ledger.getFileName();
    long headSeq = Long.MAX_VALUE;
    Path head = LedgerHead.fileOf(ledger);
    if (Files.isRegularFile(head)) {
      try {
        headSeq = LedgerHead.parse(Files.readString(head, StandardCharsets.UTF_8),
            "the signed head " + head).seq();
      } catch (LedgerException | IOException e) {
        // an unreadable head bounds nothing here; audit verify reports it
      }
    }
    String page = render(ReportModel.of(name == null ? ledger.toString() : name.toString(),
        content, headSeq));
    Path parent = html.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(html, page, StandardCharsets.UTF_8);
  }

  static String render(ReportModel m) {
    StringBuilder h = new StringBuilder(64 * 1024);
    List<String> roundIds = new ArrayList<>();
    m.jobs.values().forEach(j -> j.rounds.keySet().forEach(r -> roundIds.add(j.id + ":" + r)));
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<meta name=\"factoryfl-rounds\" content=\"")
        .append(esc(String.join(" ", roundIds))).append("\">\n")
        .append("<title>FactoryFL audit report: ").append(esc(m.fileName)).append("</title>\n")
        .append("<style>").append(CSS).append("</style>\n</head>\n<body>\n");
    h.append("<header><h1>FactoryFL audit report</h1>\n<dl class=\"facts\">");
    fact(h, "Ledger", m.fileName);
    fact(h, "Records", m.records + " (" + m.signed + " signed by the coordinator"
        + (m.unsignedTail.isEmpty() ? "" : "; the last " + m.unsignedTail.size()
        + " unsigned, not verified") + ")");
    fact(h, "Coordinator", m.coordinator);
    fact(h, "Period", (m.first == null ? "-" : m.first) + " to "
        + (m.last == null ? "-" : m.last));
    fact(h, "Jobs", String.valueOf(m.jobs.size()));
    h.append("</dl>\n");
    if (!m.unsignedTail.isEmpty()) {
      LedgerLine first = m.unsignedTail.get(0);
      LedgerLine last = m.unsignedTail.get(m.unsignedTail.size() - 1);
      h.append("<p class=\"bad unsigned-tail\" data-unsigned=\"").append(m.unsignedTail.size())
          .append("\"><strong>").append(m.unsignedTail.size())
          .append(m.unsignedTail.size() == 1 ? " record (" + first.where() + ") comes"
              : " records (" + first.where() + " to " + last.where() + ") come")
          .append(" after the last signed record")
          .append(m.lastSigned == 0 ? " (none is signed)" : " (line " + m.lastSigned + ")")
          .append(m.unsignedTail.size() == 1 ? " and is" : " and are")
          .append(" not verified.</strong> No coordinator signature covers them, so"
              + " anyone could have appended them. They are left out of the jobs and rounds"
              + " below and listed at the end under \"Unsigned records (not verified)\". A job"
              + " that is still running has such records until the coordinator signs the next"
              + " one; for a finished job, <code>factoryfl audit verify</code> fails on them."
              + "</p>\n");
    }
    if (m.problem == null) {
      h.append("<p class=\"ok\">Hash chain and record rules hold for all ").append(m.records)
          .append(" records. Signatures, the signed head and receipts are not checked here:"
              + " run <code>factoryfl audit verify</code> with the federation CA.</p>\n");
    } else {
      h.append("<p class=\"bad\"><strong>This ledger does not check:</strong> ")
          .append(esc(m.problem)).append(m.unparsed > 0 ? " (" + m.unparsed
              + " unreadable lines are left out below)" : "").append("</p>\n");
    }
    if (m.jobs.size() > 1) {
      h.append("<nav><ul>");
      int i = 0;
      for (Job job : m.jobs.values()) {
        h.append("<li><a href=\"#job-").append(i++).append("\">").append(esc(job.id))
            .append("</a></li>");
      }
      h.append("</ul></nav>\n");
    }
    h.append("</header>\n<main>\n");
    int index = 0;
    for (Job job : m.jobs.values()) {
      job(h, job, index++);
    }
    unsigned(h, m.unsignedTail);
    h.append("</main>\n<footer>Generated from ").append(esc(m.fileName))
        .append(" by FactoryFL. Self-contained: no scripts, fonts or images are loaded.")
        .append("</footer>\n</body>\n</html>\n");
    return h.toString();
  }

  private static void job(StringBuilder h, Job job, int index) {
    h.append("<section class=\"job\" id=\"job-").append(index).append("\" data-job=\"")
        .append(esc(job.id)).append("\">\n<h2>Job ").append(esc(job.id))
        .append(job.name == null ? "" : ": " + esc(job.name)).append("</h2>\n<dl class=\"facts\">");
    fact(h, "Submitted", (job.submitted == null ? "-" : job.submitted.toString())
        + (job.submittedBy == null ? "" : " by " + job.submittedBy));
    fact(h, "Spec hash", job.specHash);
    fact(h, "State", job.state == null ? "running (no job_finished record)"
        : job.state + (job.message == null || job.message.isEmpty() ? "" : ": " + job.message)
        + " at " + job.finished);
    fact(h, "Final model hash", job.finalModelHash);
    if (job.selection != null) {
      fact(h, "Selected model", selection(job.selection));
    }
    fact(h, "Rounds", job.rounds.size() + " (" + job.rounds.values().stream()
        .filter(r -> r.closed() != null).count() + " closed)");
    h.append("</dl>\n");

    h.append("<h3>Timeline</h3>\n");
    ReportCharts.timeline(h, job);
    h.append("<h3>Metrics</h3>\n");
    ReportCharts.metrics(h, job);
    h.append("<h3>Rounds</h3>\n<ol class=\"rounds\">\n");
    for (Round round : job.rounds.values()) {
      round(h, job, round);
    }
    h.append("</ol>\n");
    privacy(h, job);
    models(h, job);
    events(h, "Refusals", job.refusals, "Participant", "Round", "Reason");
    if (!job.earlyDropouts.isEmpty()) {
      events(h, "Dropouts before the first round", job.earlyDropouts, "Participant", "Stage",
          "Reason");
    }
    events(h, "Admin actions", job.adminActions, "By", "Action", null);
    h.append("</section>\n");
  }

  /** "round 4 by max roc_auc = 0.9132, stopped early: ..." from a model_selected record. */
  private static String selection(com.fasterxml.jackson.databind.JsonNode t) {
    String value = t.path("value").isNumber()
        ? " = " + String.format(java.util.Locale.ROOT, "%.4f", t.get("value").doubleValue()) : " (no value)";
    return "round " + t.path("round").asText("?") + " by " + t.path("mode").asText("") + " "
        + t.path("metric").asText("") + value + (t.path("early_stopped").asBoolean(false) ? ", stopped early" : "")
        + ": " + t.path("reason").asText("");
  }

  private static void round(StringBuilder h, Job job, Round round) {
    Attempt closed = round.closed();
    String status = closed != null ? "closed"
        : round.attempts.values().stream().allMatch(a -> a.failed != null)
        && !round.attempts.isEmpty() ? "failed" : "open";
    h.append("<li class=\"round ").append(status).append("\" data-job=\"").append(esc(job.id))
        .append("\" data-round=\"").append(round.number).append("\">\n<h4>Round ")
        .append(round.number).append(round.number == 0 ? " (preparation)" : "")
        .append(" <span class=\"badge ").append(status).append("\">")
        .append(status).append("</span>");
    Instant start = round.start();
    if (start != null) {
      h.append(" <small>").append(start);
      Attempt last = round.attempts.isEmpty() ? null
          : new ArrayList<>(round.attempts.values()).get(round.attempts.size() - 1);
      if (last != null && last.end() != null) {
        h.append(" to ").append(last.end());
      }
      h.append("</small>");
    }
    h.append("</h4>\n");
    for (Attempt a : round.attempts.values()) {
      h.append("<table class=\"attempt\">");
      if (round.attempts.size() > 1 || a.number != 0) {
        h.append("<caption>Attempt ").append(a.number).append(a.failed != null
            ? " (failed)" : a.closed != null ? " (closed)" : "").append("</caption>");
      }
      row(h, "Cohort (" + a.cohort.size() + ")", String.join(", ", a.cohort));
      List<String> contributors = a.closed != null
          ? ReportModel.strings(a.closed.get("contributors")) : a.accepted;
      row(h, "Contributors (" + contributors.size() + ")", String.join(", ", contributors));
      List<String> drops = new ArrayList<>();
      for (Event d : a.dropouts) {
        drops.add(d.who() + " at " + d.what() + (d.why().isEmpty() ? "" : " (" + d.why() + ")"));
      }
      row(h, "Dropouts (" + a.dropouts.size() + ")", drops.isEmpty() ? "none"
          : String.join("; ", drops));
      if (!a.stages.isEmpty()) {
        List<String> stages = new ArrayList<>();
        for (Event s : a.stages) {
          stages.add(s.what() + ": " + s.why());
        }
        row(h, "Secure aggregation", String.join("; ", stages));
      }
      if (a.failedReason != null) {
        row(h, "Failed", a.failedReason);
      }
      if (a.closed != null) {
        row(h, "Metrics", describe(a.closed.get("metrics")));
        row(h, "Model hash", a.closed.path("model_hash").asText(""));
      }
      h.append("</table>\n");
    }
    if (!round.otherDropouts.isEmpty()) {
      List<String> drops = new ArrayList<>();
      for (Event d : round.otherDropouts) {
        drops.add(d.who() + " at " + d.what() + (d.why().isEmpty() ? "" : " (" + d.why() + ")"));
      }
      h.append("<p class=\"dropped\">Dropped outside training: ")
          .append(esc(String.join("; ", drops))).append("</p>\n");
    }
    if (round.evaluation != null) {
      h.append("<p class=\"eval\">Federated evaluation: ")
          .append(esc(describe(numbersOf(round.evaluation)))).append("</p>\n");
    }
    if (!round.refusals.isEmpty()) {
      List<String> refused = new ArrayList<>();
      for (Event e : round.refusals) {
        refused.add(e.who() + ": " + e.why());
      }
      h.append("<p class=\"refused\">Refused: ").append(esc(String.join("; ", refused)))
          .append("</p>\n");
    }
    h.append("</li>\n");
  }

  /** The records no signature covers, as they are, under a heading that says so. */
  private static void unsigned(StringBuilder h, List<LedgerLine> tail) {
    if (tail.isEmpty()) {
      return;
    }
    h.append("<section class=\"unsigned\" id=\"unsigned\">\n<h2>Unsigned records (not"
        + " verified)</h2>\n<p class=\"bad\">No coordinator signature covers these records;"
        + " they may have been appended by someone other than the coordinator. Nothing above"
        + " counts them.</p>\n<table class=\"grid\"><thead><tr><th>Record</th><th>Time</th>"
        + "<th>Type</th><th>Job</th><th>Content</th></tr></thead><tbody>");
    for (LedgerLine line : tail) {
      List<String> parts = new ArrayList<>();
      line.tree.fields().forEachRemaining(e -> {
        if (!Set.of("prev", "seq", "time", "type", "job_id", "sig").contains(e.getKey())) {
          parts.add(e.getKey() + " " + (e.getValue().isTextual() ? e.getValue().textValue()
              : e.getValue().toString()));
        }
      });
      h.append("<tr class=\"unsigned\"><td>").append(line.seq).append("</td><td>")
          .append(line.time).append("</td><td>").append(esc(line.type)).append("</td><td>")
          .append(esc(line.tree.path("job_id").asText(""))).append("</td><td>")
          .append(esc(String.join("; ", parts))).append("</td></tr>");
    }
    h.append("</tbody></table>\n</section>\n");
  }

  private static void privacy(StringBuilder h, Job job) {
    Set<String> keys = new LinkedHashSet<>();
    List<Attempt> closed = closedAttempts(job);
    for (Attempt a : closed) {
      a.closed.path("secure_aggregation").fieldNames().forEachRemaining(keys::add);
    }
    h.append("<h3>Privacy parameters</h3>\n");
    if (closed.isEmpty()) {
      h.append("<p>No round closed.</p>\n");
      return;
    }
    h.append("<table class=\"grid\"><thead><tr><th>Round</th><th>Cohort size</th>"
        + "<th>Contributors</th>");
    for (String k : keys) {
      h.append("<th>").append(esc(k.replace('_', ' '))).append("</th>");
    }
    h.append("</tr></thead><tbody>");
    for (Attempt a : closed) {
      h.append("<tr><td>").append(a.closed.path("round").asText()).append("</td><td>")
          .append(esc(a.closed.path("cohort_size").asText())).append("</td><td>")
          .append(a.closed.path("contributors").size()).append("</td>");
      for (String k : keys) {
        JsonNode v = a.closed.path("secure_aggregation").get(k);
        h.append("<td>").append(v == null ? "" : esc(v.isNumber() ? fmt(v.doubleValue())
            : v.asText())).append("</td>");
      }
      h.append("</tr>");
    }
    h.append("</tbody></table>\n");
  }

  private static void models(StringBuilder h, Job job) {
    List<Attempt> closed = closedAttempts(job);
    h.append("<h3>Model hashes</h3>\n");
    if (closed.isEmpty()) {
      h.append("<p>No round closed.</p>\n");
      return;
    }
    h.append("<table class=\"grid hashes\"><thead><tr><th>Round</th><th>Record</th>"
        + "<th>New model</th><th>Aggregate</th><th>Merkle root of contributions</th></tr>"
        + "</thead><tbody>");
    for (Attempt a : closed) {
      h.append("<tr><td>").append(a.closed.path("round").asText()).append("</td><td>")
          .append(a.closedSeq).append("</td><td><code>")
          .append(esc(a.closed.path("model_hash").asText())).append("</code></td><td><code>")
          .append(esc(a.closed.path("aggregate_hash").asText())).append("</code></td><td><code>")
          .append(esc(a.closed.path("merkle_root").asText())).append("</code></td></tr>");
    }
    h.append("</tbody></table>\n");
  }

  private static void events(StringBuilder h, String title, List<Event> events, String who,
      String what, String why) {
    h.append("<h3>").append(title).append("</h3>\n");
    if (events.isEmpty()) {
      h.append("<p>None.</p>\n");
      return;
    }
    h.append("<table class=\"grid\"><thead><tr><th>Record</th><th>Time</th><th>").append(who)
        .append("</th><th>").append(what).append("</th>")
        .append(why == null ? "" : "<th>" + why + "</th>").append("</tr></thead><tbody>");
    for (Event e : events) {
      h.append("<tr><td>").append(e.seq()).append("</td><td>").append(e.time())
          .append("</td><td>").append(esc(e.who())).append("</td><td>").append(esc(e.what()))
          .append("</td>").append(why == null ? "" : "<td>" + esc(e.why()) + "</td>")
          .append("</tr>");
    }
    h.append("</tbody></table>\n");
  }

  private static List<Attempt> closedAttempts(Job job) {
    List<Attempt> out = new ArrayList<>();
    for (Round r : job.rounds.values()) {
      if (r.closed() != null) {
        out.add(r.closed());
      }
    }
    return out;
  }

  /** The numeric members of an object, except the bookkeeping ones. */
  static Map<String, Double> numbersOf(JsonNode object) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (object != null && object.isObject()) {
      object.fields().forEachRemaining(e -> {
        if (e.getValue().isNumber() && !Set.of("round", "seq", "attempt", "participants")
            .contains(e.getKey())) {
          out.put(e.getKey(), e.getValue().doubleValue());
        }
      });
    }
    return out;
  }

  static String describe(Object value) {
    if (value instanceof Map<?, ?> map) {
      List<String> parts = new ArrayList<>();
      map.forEach((k, v) -> parts.add(k + " " + (v instanceof Double d ? fmt(d) : v)));
      return parts.isEmpty() ? "-" : String.join(", ", parts);
    }
    if (value instanceof JsonNode node && node.isObject()) {
      List<String> parts = new ArrayList<>();
      node.fields().forEachRemaining(e -> parts.add(e.getKey() + " "
          + (e.getValue().isNumber() ? fmt(e.getValue().doubleValue()) : e.getValue().asText())));
      return parts.isEmpty() ? "-" : String.join(", ", parts);
    }
    return value == null ? "-" : value.toString();
  }

  private static void fact(StringBuilder h, String name, String value) {
    h.append("<dt>").append(esc(name)).append("</dt><dd>")
        .append(value == null ? "-" : esc(value)).append("</dd>");
  }

  private static void row(StringBuilder h, String name, String value) {
    h.append("<tr><th>").append(esc(name)).append("</th><td>")
        .append(value == null || value.isEmpty() ? "-" : esc(value)).append("</td></tr>");
  }

  /** Four significant digits, without exponent for everyday magnitudes. */
  static String fmt(double v) {
    if (v == 0 || !Double.isFinite(v)) {
      return v == 0 ? "0" : Double.toString(v);
    }
    double abs = Math.abs(v);
    if (abs >= 1e6 || abs < 1e-3) {
      return String.format(java.util.Locale.ROOT, "%.3e", v);
    }
    return new java.math.BigDecimal(v).round(new java.math.MathContext(4))
        .stripTrailingZeros().toPlainString();
  }

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  private static final String CSS = """
      body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;\
      color:#1b1b1b;background:#fafafa;line-height:1.4}
      header,main,footer{max-width:1100px;margin:0 auto;padding:0 16px}
      h1{font-size:1.6em;margin:16px 0 8px}h2{border-bottom:2px solid #1f6fb2;padding-bottom:4px}
      h3{margin:20px 0 8px}h4{margin:0 0 6px}
      dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 16px;margin:8px 0}
      dl.facts dt{font-weight:600}dl.facts dd{margin:0;word-break:break-all}
      .ok{background:#e8f5e9;border-left:4px solid #2e8540;padding:8px}
      .bad{background:#ffebee;border-left:4px solid #c62828;padding:8px}
      section.job{background:#fff;border:1px solid #ddd;border-radius:6px;padding:4px 16px 16px;\
      margin:16px 0}
      ol.rounds{list-style:none;padding:0}
      li.round{border-left:4px solid #9e9e9e;padding:6px 12px;margin:8px 0;background:#f7f7f7}
      li.round.closed{border-color:#2e8540}li.round.failed{border-color:#c62828}
      .badge{font-size:.75em;padding:1px 6px;border-radius:8px;color:#fff;background:#9e9e9e;\
      vertical-align:middle}
      .badge.closed{background:#2e8540}.badge.failed{background:#c62828}
      table{border-collapse:collapse;margin:4px 0;font-size:.92em}
      table.attempt th{text-align:left;font-weight:600;padding:1px 12px 1px 0;vertical-align:top;\
      white-space:nowrap}
      table.attempt caption{text-align:left;font-style:italic}
      table.grid th,table.grid td{border:1px solid #ddd;padding:3px 8px;text-align:left}
      table.grid thead{background:#eef3f8}
      code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;word-break:break-all}
      .charts{display:flex;flex-wrap:wrap;gap:8px}
      figure.chart{margin:0;background:#fff;border:1px solid #e3e3e3;border-radius:4px}
      svg text{font-family:inherit}svg .axis{font-size:11px;fill:#555}\
      svg .name{font-size:12px;font-weight:600;fill:#1b1b1b}
      svg .frame{stroke:#999;stroke-width:1}
      svg.timeline{max-width:100%;height:auto}
      .legend{font-size:.85em;color:#555}
      footer{color:#777;font-size:.85em;padding:16px}
      """;
}
