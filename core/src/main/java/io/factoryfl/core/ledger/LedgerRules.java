package io.factoryfl.core.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import io.factoryfl.core.job.BestRound;
import io.factoryfl.core.job.SelectionSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-type fields and the cross-record rules of the ledger (listed in {@link
 * LedgerRecord}), applied record by record in order. The writer runs them on each record before
 * appending it, so a coordinator bug fails at the call that caused it rather than at audit time;
 * the verifier runs them on every line. Not thread-safe; one instance per pass over a ledger.
 */
final class LedgerRules {

  static final Set<String> MUST_BE_SIGNED =
      Set.of("ledger_opened", "ledger_reopened", "round_closed", "model_selected", "job_finished",
          "job_interrupted", "job_resumed");

  record RoundKey(String job, long round, long attempt) {
    @Override
    public String toString() {
      return "job " + job + " round " + round + " attempt " + attempt;
    }
  }

  /** A closed round as the ledger shows it: contributors in leaf order and their hashes. */
  record ClosedRound(long seq, RoundKey key, List<String> contributors, List<String> hashes,
      String root) {}

  private record Accepted(String hash, long seq) {}

  private static final class RoundState {
    final long openedSeq;
    final Set<String> cohort;
    final Map<String, Accepted> accepted = new LinkedHashMap<>();
    final Set<String> droppedOut = new HashSet<>();
    long closedSeq;

    RoundState(long openedSeq, Set<String> cohort) {
      this.openedSeq = openedSeq;
      this.cohort = cohort;
    }
  }

  private final Map<RoundKey, RoundState> rounds = new HashMap<>();
  private final Map<String, Set<String>> refusedByRound = new HashMap<>();
  private final Map<Long, ClosedRound> closedRounds = new LinkedHashMap<>();
  /** The model hash each closed round committed, by job and round. */
  private final Map<String, String> committedModels = new HashMap<>();
  /** The last round each job closed. */
  private final Map<String, Long> lastClosedRound = new HashMap<>();
  /** Each job's evaluation records, in ledger order. */
  private final Map<String, List<JsonNode>> evaluations = new HashMap<>();
  /** The model each job's model_selected record chose. */
  private final Map<String, String> selectedModels = new HashMap<>();
  private String coordinator;
  /** Each job's last job_interrupted record not yet followed by its job_resumed. */
  private final Map<String, JsonNode> interrupted = new HashMap<>();
  /** The interruptions closed by a job_resumed, in log order, for people. */
  private final List<String> interruptions = new ArrayList<>();

  /**
   * Checks {@code line} against its type's fields and everything before it, then takes it into
   * account. Leaves the state unchanged if the record is refused.
   *
   * @throws LedgerException naming the record and the rule it breaks
   */
  void apply(LedgerLine line) throws LedgerException {
    String at = line.where() + ", " + line.type;
    JsonNode t = line.tree;
    if (MUST_BE_SIGNED.contains(line.type) && !line.signed()) {
      throw new LedgerException(at + ": is not signed; " + line.type
          + " records must carry the coordinator's signature");
    }
    if (line.seq == 1 && !line.type.equals("ledger_opened")) {
      throw new LedgerException(at + ": a ledger must start with a ledger_opened record");
    }
    switch (line.type) {
      case "ledger_opened" -> {
        if (line.seq != 1) {
          throw new LedgerException(at + ": only the first record may be ledger_opened");
        }
        String name = text(t, "coordinator", at);
        certificate(t, at);
        coordinator = name;
      }
      case "ledger_reopened" -> {
        String name = text(t, "coordinator", at);
        certificate(t, at);
        whole(t, "torn_bytes", at);
        if (t.has("torn_sha256")) {
          hex(t, "torn_sha256", at);
        }
        if (coordinator != null && !coordinator.equals(name)) {
          throw new LedgerException(at + ": coordinator '" + name + "' is not '" + coordinator
              + "', who opened this ledger");
        }
      }
      case "job_submitted" -> {
        text(t, "job_id", at);
        text(t, "name", at);
        text(t, "spec_hash", at);
        text(t, "by", at);
      }
      case "round_opened" -> {
        RoundKey key = key(t, at);
        List<String> cohort = names(t, "cohort", at);
        Set<String> distinct = new HashSet<>(cohort);
        if (distinct.size() != cohort.size()) {
          throw new LedgerException(at + ": cohort " + cohort + " names a participant twice");
        }
        RoundState existing = rounds.get(key);
        if (existing != null) {
          throw new LedgerException(at + ": " + key + " was already opened by record "
              + existing.openedSeq + "; a retry must use a new attempt number");
        }
        rounds.put(key, new RoundState(line.seq, distinct));
      }
      case "secagg_stage" -> {
        key(t, at);
        text(t, "stage", at);
        names(t, "remaining", at);
        names(t, "dropped", at);
      }
      case "contribution_accepted" -> {
        RoundKey key = key(t, at);
        String participant = text(t, "participant", at);
        String hash = hex(t, "contribution_hash", at);
        RoundState round = open(key, at);
        inCohort(round, key, participant, at);
        Accepted earlier = round.accepted.get(participant);
        if (earlier != null) {
          throw new LedgerException(at + ": " + participant + " already contributed to " + key
              + " (record " + earlier.seq + ")");
        }
        round.accepted.put(participant, new Accepted(hash, line.seq));
      }
      case "dropout" -> {
        // Dropouts are also recorded outside a training round (feature statistics as round 0,
        // federated evaluation after the round closed), so they only need their fields; one in
        // an open round explains a contribution left out of the round's contributors.
        RoundKey key = key(t, at);
        String participant = text(t, "participant", at);
        text(t, "stage", at);
        text(t, "reason", at);
        RoundState round = rounds.get(key);
        if (round != null && round.closedSeq == 0) {
          round.droppedOut.add(participant);
        }
      }
      case "refusal" -> {
        String job = text(t, "job_id", at);
        long round = whole(t, "round", at);
        String participant = text(t, "participant", at);
        text(t, "reason", at);
        refusedByRound.computeIfAbsent(job + "\n" + round, k -> new HashSet<>()).add(participant);
      }
      case "round_failed" -> {
        key(t, at);
        text(t, "reason", at);
      }
      case "round_closed" -> closeRound(line, at);
      case "evaluation" -> {
        String job = text(t, "job_id", at);
        whole(t, "round", at);
        evaluations.computeIfAbsent(job, k -> new ArrayList<>()).add(t);
      }
      case "model_selected" -> selectModel(line, at);
      case "job_interrupted" -> {
        String job = text(t, "job_id", at);
        whole(t, "round", at);
        whole(t, "last_attempt", at);
        text(t, "detail", at);
        interrupted.put(job, t);
      }
      case "job_resumed" -> {
        String job = text(t, "job_id", at);
        long committed = whole(t, "committed_round", at);
        textOrNull(t, "model_hash", at);
        whole(t, "next_round", at);
        Long last = lastClosedRound.get(job);
        if (committed != (last == null ? 0 : last)) {
          throw new LedgerException(at + ": committed_round " + committed + " is not the last round this log"
              + " closed for job " + job + " (" + (last == null ? "none" : last) + ")");
        }
        if (committed > 0 && !t.path("model_hash").asText("").equals(committedModels.get(job + "\n" + committed))) {
          throw new LedgerException(at + ": model_hash " + t.path("model_hash") + " is not the model round "
              + committed + " of job " + job + " committed");
        }
        JsonNode cause = interrupted.get(job);
        if (cause == null) {
          throw new LedgerException(at + ": job " + job + " resumes without a job_interrupted record before it");
        }
        String continues = "";
        if (t.has("continued_attempt")) {
          long continued = whole(t, "continued_attempt", at);
          long nextRound = t.get("next_round").asLong();
          if (continued < 1 || continued != cause.path("last_attempt").asLong()
              || nextRound != cause.path("round").asLong()) {
            throw new LedgerException(at + ": continued_attempt " + continued + " is not the attempt the"
                + " job_interrupted record names as in progress (round " + cause.path("round").asLong()
                + " attempt " + cause.path("last_attempt").asLong() + "); only that attempt's secure session"
                + " can continue");
          }
          continues = ", continuing the secure session of attempt " + continued;
        }
        interrupted.remove(job);
        interruptions.add("job " + job + ": interrupted in round " + cause.path("round").asLong() + " ("
            + cause.path("detail").asText() + "), resumed from round " + committed + continues);
      }
      case "admin_action" -> {
        textOrNull(t, "job_id", at);
        text(t, "by", at);
        text(t, "action", at);
      }
      case "job_finished" -> {
        String job = text(t, "job_id", at);
        text(t, "state", at);
        textOrNull(t, "message", at);
        textOrNull(t, "model_hash", at);
        String selected = selectedModels.get(job);
        if (selected != null && !selected.equals(t.path("model_hash").asText(""))) {
          throw new LedgerException(at + ": model_hash " + t.path("model_hash") + " is not the model "
              + selected + " that the model_selected record of job " + job + " chose");
        }
      }
      default -> {
        // Unknown types are allowed so older verifiers read newer ledgers; chain and signature
        // still protect them.
      }
    }
  }

  private void closeRound(LedgerLine line, String at) throws LedgerException {
    JsonNode t = line.tree;
    RoundKey key = key(t, at);
    whole(t, "cohort_size", at);
    List<String> contributors = names(t, "contributors", at);
    String root = hex(t, "merkle_root", at);
    text(t, "aggregate_hash", at);
    text(t, "model_hash", at);
    object(t, "metrics", at);
    object(t, "secure_aggregation", at);
    RoundState round = open(key, at);
    if (round.closedSeq != 0) {
      throw new LedgerException(at + ": " + key + " was already closed by record "
          + round.closedSeq);
    }
    List<String> leaves = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String contributor : contributors) {
      if (!seen.add(contributor)) {
        throw new LedgerException(at + ": contributors lists " + contributor + " twice");
      }
      Accepted accepted = round.accepted.get(contributor);
      if (accepted == null) {
        throw new LedgerException(at + ": contributor " + contributor
            + " has no contribution_accepted record in " + key);
      }
      leaves.add(accepted.hash);
    }
    Set<String> refused = refusedByRound.getOrDefault(key.job() + "\n" + key.round(), Set.of());
    for (Map.Entry<String, Accepted> e : round.accepted.entrySet()) {
      String participant = e.getKey();
      if (!seen.contains(participant) && !round.droppedOut.contains(participant)
          && !refused.contains(participant)) {
        throw new LedgerException(at + ": the contribution accepted from " + participant
            + " (record " + e.getValue().seq + ") is not among the contributors, and no dropout"
            + " or refusal record of " + participant + " in " + key + " explains why");
      }
    }
    String expected = MerkleTree.root(leaves);
    if (!expected.equals(root)) {
      throw new LedgerException(at + ": merkle_root " + root + " is not the Merkle root of the"
          + " contributions of " + contributors + " in " + key + " (expected " + expected + ")");
    }
    round.closedSeq = line.seq;
    committedModels.put(key.job() + "\n" + key.round(), t.get("model_hash").textValue());
    lastClosedRound.put(key.job(), key.round());
    closedRounds.put(line.seq, new ClosedRound(line.seq, key, List.copyOf(contributors),
        List.copyOf(leaves), root));
  }

  /**
   * A job's chosen model (model_selected): a committed round's model, and the round the job's own
   * logged evaluations make the best by the record's metric and mode ({@link BestRound}: strictly
   * better, ties keep the earlier round, an evaluation no site answered does not count); with no
   * value of the metric in any evaluation, the last committed round. Early stopping must follow at
   * least {@code patience} evaluations without improvement.
   */
  private void selectModel(LedgerLine line, String at) throws LedgerException {
    JsonNode t = line.tree;
    String job = text(t, "job_id", at);
    long round = whole(t, "round", at);
    String modelHash = hex(t, "model_hash", at);
    String metric = text(t, "metric", at);
    String modeKey = text(t, "mode", at);
    SelectionSpec.Mode mode = SelectionSpec.Mode.byKey(modeKey).orElseThrow(() -> new LedgerException(at
        + ": \"mode\" must be \"max\" or \"min\", was '" + modeKey + "'"));
    long patience = whole(t, "patience", at);
    JsonNode stopped = t.get("early_stopped");
    if (stopped == null || !stopped.isBoolean()) {
      throw new LedgerException(at + ": \"early_stopped\" must be true or false, was "
          + (stopped == null ? "missing" : stopped.toString()));
    }
    text(t, "reason", at);
    JsonNode value = t.get("value");
    if (value != null && !(value.isNumber() && Double.isFinite(value.doubleValue()))) {
      throw new LedgerException(at + ": \"value\" must be a finite number when present, was " + value);
    }
    if (selectedModels.containsKey(job)) {
      throw new LedgerException(at + ": job " + job + " already chose its model; a job has one"
          + " model_selected record");
    }
    String committed = committedModels.get(job + "\n" + round);
    if (committed == null) {
      throw new LedgerException(at + ": job " + job + " round " + round + " has no round_closed record;"
          + " only a committed round's model can be chosen");
    }
    if (!committed.equals(modelHash)) {
      throw new LedgerException(at + ": model_hash " + modelHash + " is not the model job " + job
          + " round " + round + " committed (" + committed + ")");
    }
    BestRound best = new BestRound(mode);
    // a restarted coordinator evaluates a round again when it stopped before storing the evaluation
    // (job_interrupted): the later evaluation of a round replaces the earlier one, as in the job
    Map<Long, JsonNode> lastOfRound = new LinkedHashMap<>();
    for (JsonNode evaluation : evaluations.getOrDefault(job, List.of())) {
      lastOfRound.put(evaluation.get("round").longValue(), evaluation);
    }
    for (JsonNode evaluation : lastOfRound.values()) {
      if (evaluation.has("participants") && evaluation.get("participants").asLong() == 0) {
        continue;
      }
      JsonNode v = evaluation.get(metric);
      try {
        best.offer(evaluation.get("round").intValue(), v != null && v.isNumber() ? v.doubleValue() : Double.NaN);
      } catch (IllegalArgumentException e) {
        throw new LedgerException(at + ": the evaluations of job " + job + " are out of order: "
            + e.getMessage());
      }
    }
    if (best.found()) {
      if (round != best.round()) {
        throw new LedgerException(at + ": chose round " + round + ", but by the logged evaluations"
            + " round " + best.round() + " is the best by " + modeKey + " " + metric + " ("
            + best.value() + ")");
      }
      if (value == null || value.doubleValue() != best.value()) {
        throw new LedgerException(at + ": value " + (value == null ? "missing" : value.toString())
            + " is not round " + round + "'s logged " + metric + " (" + best.value() + ")");
      }
    } else {
      if (value != null) {
        throw new LedgerException(at + ": value " + value + " given, but no evaluation of job " + job
            + " logged a value of " + metric);
      }
      long last = lastClosedRound.get(job);
      if (round != last) {
        throw new LedgerException(at + ": no evaluation of job " + job + " logged a value of " + metric
            + ", so its result is the last committed round " + last + ", not round " + round);
      }
    }
    if (stopped.booleanValue() && (patience < 1 || best.evaluationsSinceBest() < patience)) {
      throw new LedgerException(at + ": early_stopped with patience " + patience + ", but "
          + best.evaluationsSinceBest() + " evaluations followed the best one; stopping early needs at"
          + " least patience (>= 1) evaluations without improvement");
    }
    selectedModels.put(job, modelHash);
  }

  /** The round closed by record {@code seq}, or null if that record closed none. */
  ClosedRound closedRound(long seq) {
    return closedRounds.get(seq);
  }

  /** Every round closed so far, in ledger order. */
  /** The interruptions closed by a job_resumed so far, one line each. */
  List<String> interruptions() {
    return List.copyOf(interruptions);
  }

  List<ClosedRound> closedRounds() {
    return List.copyOf(closedRounds.values());
  }

  private RoundState open(RoundKey key, String at) throws LedgerException {
    RoundState round = rounds.get(key);
    if (round == null) {
      throw new LedgerException(at + ": " + key + " was never opened (no round_opened record)");
    }
    if (round.closedSeq != 0) {
      throw new LedgerException(at + ": " + key + " was already closed by record "
          + round.closedSeq);
    }
    return round;
  }

  private static void inCohort(RoundState round, RoundKey key, String participant, String at)
      throws LedgerException {
    if (!round.cohort.contains(participant)) {
      throw new LedgerException(at + ": " + participant + " is not in the cohort of " + key
          + " (record " + round.openedSeq + ")");
    }
  }

  private static RoundKey key(JsonNode t, String at) throws LedgerException {
    return new RoundKey(text(t, "job_id", at), whole(t, "round", at), whole(t, "attempt", at));
  }

  private static void certificate(JsonNode t, String at) throws LedgerException {
    String value = text(t, "certificate", at);
    try {
      Base64.getDecoder().decode(value);
    } catch (IllegalArgumentException e) {
      throw new LedgerException(at + ": certificate is not base64 DER: " + e.getMessage());
    }
  }

  static String text(JsonNode t, String field, String at) throws LedgerException {
    JsonNode value = t.get(field);
    if (value == null || !value.isTextual() || value.textValue().isEmpty()) {
      throw new LedgerException(at + ": \"" + field + "\" must be a non-empty string, was "
          + (value == null ? "missing" : value.toString()));
    }
    return value.textValue();
  }

  private static void textOrNull(JsonNode t, String field, String at) throws LedgerException {
    JsonNode value = t.get(field);
    if (value != null && !value.isNull() && !value.isTextual()) {
      throw new LedgerException(at + ": \"" + field + "\" must be a string or null, was "
          + value);
    }
  }

  static long whole(JsonNode t, String field, String at) throws LedgerException {
    JsonNode value = t.get(field);
    if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()
        || value.longValue() < 0) {
      throw new LedgerException(at + ": \"" + field + "\" must be a whole number >= 0, was "
          + (value == null ? "missing" : value.toString()));
    }
    return value.longValue();
  }

  private static String hex(JsonNode t, String field, String at) throws LedgerException {
    String value = text(t, field, at);
    if (!LedgerRecord.HEX64.matcher(value).matches()) {
      throw new LedgerException(at + ": \"" + field + "\" must be 64 lower-case hex digits"
          + " (SHA-256), was '" + value + "'");
    }
    return value;
  }

  static List<String> names(JsonNode t, String field, String at) throws LedgerException {
    JsonNode value = t.get(field);
    if (value == null || !value.isArray()) {
      throw new LedgerException(at + ": \"" + field + "\" must be a list of names, was "
          + (value == null ? "missing" : value.toString()));
    }
    List<String> names = new ArrayList<>(value.size());
    for (JsonNode element : value) {
      if (!element.isTextual() || element.textValue().isEmpty()) {
        throw new LedgerException(at + ": \"" + field + "\" must hold non-empty strings, has "
            + element);
      }
      names.add(element.textValue());
    }
    return names;
  }

  private static void object(JsonNode t, String field, String at) throws LedgerException {
    JsonNode value = t.get(field);
    if (value == null || !value.isObject()) {
      throw new LedgerException(at + ": \"" + field + "\" must be an object, was "
          + (value == null ? "missing" : value.toString()));
    }
  }
}
