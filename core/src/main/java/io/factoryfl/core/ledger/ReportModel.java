package io.factoryfl.core.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the audit report shows, gathered from a ledger's records: jobs, their rounds and
 * attempts, metrics, refusals and admin actions, plus whether the chain holds. Lines that do not
 * parse are counted and skipped so that a damaged ledger still renders.
 *
 * <p>Records after the last signed record (or after the record the signed head names, if that
 * is earlier) are not covered by any signature: they could have been appended by anyone, so
 * they are kept out of the jobs and rounds and held apart in {@link #unsignedTail}.
 */
final class ReportModel {

  static final class Job {
    final String id;
    String name;
    String specHash;
    String submittedBy;
    Instant submitted;
    String state;
    String message;
    String finalModelHash;
    /** The job's model_selected record, or null. */
    JsonNode selection;
    Instant finished;
    final Map<Long, Round> rounds = new TreeMap<>();
    final List<Event> refusals = new ArrayList<>();
    final List<Event> adminActions = new ArrayList<>();
    /** Dropouts before the first round (round 0: feature statistics). */
    final List<Event> earlyDropouts = new ArrayList<>();

    Job(String id) {
      this.id = id;
    }

    Round round(long number) {
      return rounds.computeIfAbsent(number, Round::new);
    }
  }

  static final class Round {
    final long number;
    final Map<Long, Attempt> attempts = new TreeMap<>();
    final List<Event> refusals = new ArrayList<>();
    /** Dropouts outside a running training attempt: feature statistics, evaluation. */
    final List<Event> otherDropouts = new ArrayList<>();
    JsonNode evaluation;

    Round(long number) {
      this.number = number;
    }

    Attempt attempt(long number) {
      return attempts.computeIfAbsent(number, Attempt::new);
    }

    /** The attempt that closed the round, or null. */
    Attempt closed() {
      Attempt found = null;
      for (Attempt a : attempts.values()) {
        if (a.closed != null) {
          found = a;
        }
      }
      return found;
    }

    Instant start() {
      return attempts.values().stream().map(a -> a.opened).filter(t -> t != null)
          .min(Instant::compareTo).orElse(null);
    }
  }

  static final class Attempt {
    final long number;
    Instant opened;
    List<String> cohort = List.of();
    final List<String> accepted = new ArrayList<>();
    final List<Event> dropouts = new ArrayList<>();
    final List<Event> stages = new ArrayList<>();
    String failedReason;
    Instant failed;
    JsonNode closed;
    Instant closedAt;
    long closedSeq;

    Attempt(long number) {
      this.number = number;
    }

    Instant end() {
      return closedAt != null ? closedAt : failed;
    }
  }

  /** A record shown as a row: when, who, what, why. */
  record Event(long seq, Instant time, String who, String what, String why) {}

  final String fileName;
  final Map<String, Job> jobs = new LinkedHashMap<>();
  long records;
  long signed;
  int unparsed;
  String coordinator;
  Instant first;
  Instant last;
  /** The first problem found by the chain and rule checks, or null. */
  String problem;
  /** Records after the last signed one, in order: shown apart, as not verified. */
  final List<LedgerLine> unsignedTail = new ArrayList<>();
  /** The line of the last signed record the tail follows, or 0 if no record is signed. */
  long lastSigned;

  private ReportModel(String fileName) {
    this.fileName = fileName;
  }

  static ReportModel of(String fileName, byte[] content) {
    return of(fileName, content, Long.MAX_VALUE);
  }

  /**
   * @param headSeq the record the ledger's signed head names, or {@link Long#MAX_VALUE} if
   *     there is none: records after it are in the unsigned tail even if they carry a "sig"
   */
  static ReportModel of(String fileName, byte[] content, long headSeq) {
    ReportModel model = new ReportModel(fileName);
    List<byte[]> raw = LedgerLine.completeLines(content);
    List<LedgerLine> lines = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      try {
        lines.add(LedgerLine.parse(i + 1, raw.get(i)));
      } catch (LedgerException e) {
        lines.add(null);
        model.unparsed++;
        model.noteProblem(e.getMessage());
      }
    }
    for (int i = 0; i < lines.size(); i++) {
      LedgerLine line = lines.get(i);
      if (line != null && line.signed() && i + 1 <= headSeq) {
        model.lastSigned = i + 1;
      }
    }
    LedgerRules rules = new LedgerRules();
    boolean checking = true;
    for (int i = 0; i < lines.size(); i++) {
      LedgerLine line = lines.get(i);
      if (line == null) {
        checking = false;
        continue;
      }
      if (i + 1 > model.lastSigned) {
        if (checking) {
          try {
            String problem = ChainCheck.problem(lines, i, false, null);
            if (problem != null) {
              throw new LedgerException(problem);
            }
            rules.apply(line);
          } catch (LedgerException e) {
            model.noteProblem(e.getMessage());
            checking = false;
          }
        }
        model.records++;
        model.unsignedTail.add(line);
        continue;
      }
      if (checking) {
        try {
          String problem = ChainCheck.problem(lines, i, false, null);
          if (problem != null) {
            throw new LedgerException(problem);
          }
          rules.apply(line);
        } catch (LedgerException e) {
          model.noteProblem(e.getMessage());
          checking = false;
        }
      }
      model.add(line);
    }
    if (LedgerLine.tornLength(content) > 0) {
      model.noteProblem("line " + (raw.size() + 1) + ": the last line has no newline (torn"
          + " write)");
    }
    return model;
  }

  private void noteProblem(String message) {
    if (problem == null) {
      problem = message;
    }
  }

  private void add(LedgerLine line) {
    records++;
    if (line.signed()) {
      signed++;
    }
    if (first == null || line.time.isBefore(first)) {
      first = line.time;
    }
    if (last == null || line.time.isAfter(last)) {
      last = line.time;
    }
    JsonNode t = line.tree;
    String jobId = t.path("job_id").isTextual() ? t.get("job_id").textValue() : null;
    switch (line.type) {
      case "ledger_opened", "ledger_reopened" -> coordinator = t.path("coordinator").asText(null);
      case "job_submitted" -> {
        Job job = job(jobId);
        job.name = t.path("name").asText(null);
        job.specHash = t.path("spec_hash").asText(null);
        job.submittedBy = t.path("by").asText(null);
        job.submitted = line.time;
      }
      case "round_opened" -> {
        Attempt a = attempt(jobId, t);
        a.opened = line.time;
        a.cohort = strings(t.path("cohort"));
      }
      case "secagg_stage" -> attempt(jobId, t).stages.add(new Event(line.seq, line.time, null,
          t.path("stage").asText(""), "remaining " + strings(t.path("remaining")).size()
          + ", dropped " + (strings(t.path("dropped")).isEmpty() ? "none"
          : String.join(", ", strings(t.path("dropped"))))));
      case "contribution_accepted" ->
          attempt(jobId, t).accepted.add(t.path("participant").asText(""));
      case "dropout" -> {
        Event e = new Event(line.seq, line.time, t.path("participant").asText(""),
            t.path("stage").asText(""), t.path("reason").asText(""));
        Job job = job(jobId);
        long number = t.path("round").asLong(0);
        if (number < 1 && !job.rounds.containsKey(number)) {
          job.earlyDropouts.add(e);
          return;
        }
        Round round = job.round(number);
        Attempt a = round.attempts.get(t.path("attempt").asLong(0));
        if (a != null && a.opened != null && a.closed == null && a.failed == null) {
          a.dropouts.add(e);
        } else {
          round.otherDropouts.add(e);
        }
      }
      case "refusal" -> {
        Event e = new Event(line.seq, line.time, t.path("participant").asText(""),
            "round " + t.path("round").asText(""), t.path("reason").asText(""));
        Job job = job(jobId);
        job.refusals.add(e);
        if (t.path("round").canConvertToLong() && t.get("round").longValue() >= 1) {
          job.round(t.get("round").longValue()).refusals.add(e);
        }
      }
      case "round_failed" -> {
        Attempt a = attempt(jobId, t);
        a.failedReason = t.path("reason").asText("");
        a.failed = line.time;
      }
      case "round_closed" -> {
        Attempt a = attempt(jobId, t);
        a.closed = t;
        a.closedAt = line.time;
        a.closedSeq = line.seq;
      }
      case "evaluation" -> {
        if (t.path("round").canConvertToLong()) {
          job(jobId).round(t.get("round").longValue()).evaluation = t;
        }
      }
      case "model_selected" -> job(jobId).selection = t;
      case "admin_action" -> job(jobId).adminActions.add(new Event(line.seq, line.time,
          t.path("by").asText(""), t.path("action").asText(""), ""));
      case "job_finished" -> {
        Job job = job(jobId);
        job.state = t.path("state").asText(null);
        job.message = t.path("message").asText(null);
        job.finalModelHash = t.path("model_hash").isTextual()
            ? t.get("model_hash").textValue() : null;
        job.finished = line.time;
      }
      default -> {
        // other types only count towards the totals
      }
    }
  }

  private Job job(String id) {
    return jobs.computeIfAbsent(id == null ? "(no job)" : id, Job::new);
  }

  private Attempt attempt(String jobId, JsonNode t) {
    return job(jobId).round(t.path("round").asLong(0)).attempt(t.path("attempt").asLong(0));
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    if (array != null && array.isArray()) {
      array.forEach(e -> out.add(e.asText()));
    }
    return out;
  }
}
