package io.factoryfl.coordinator.job;

import com.google.protobuf.ByteString;
import io.factoryfl.coordinator.store.JobStore;
import io.factoryfl.coordinator.strategy.Failure;
import io.factoryfl.coordinator.strategy.FitResult;
import io.factoryfl.coordinator.task.RoundGate;
import io.factoryfl.coordinator.task.TaskOutcome;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.SecureAggregationSpec;
import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.core.secagg.DiscardedShare;
import io.factoryfl.core.secagg.EncryptedShare;
import io.factoryfl.core.secagg.RevealedShare;
import io.factoryfl.core.secagg.SecAggCoordinator;
import io.factoryfl.core.secagg.SecAggException;
import io.factoryfl.core.secagg.SecAggParameters;
import io.factoryfl.core.secagg.SessionInfo;
import io.factoryfl.core.secagg.SignedKeys;
import io.factoryfl.core.security.RevocationSource;
import io.factoryfl.proto.v1.SecAggAdvertiseKeys;
import io.factoryfl.proto.v1.SecAggConsistencyCheck;
import io.factoryfl.proto.v1.SecAggMaskedInput;
import io.factoryfl.proto.v1.SecAggPublicKeys;
import io.factoryfl.proto.v1.SecAggRevealedShare;
import io.factoryfl.proto.v1.SecAggShare;
import io.factoryfl.proto.v1.SecAggShareKeys;
import io.factoryfl.proto.v1.SecAggSignature;
import io.factoryfl.proto.v1.SecAggUnmask;
import io.factoryfl.proto.v1.SecureSessionTranscript;
import io.factoryfl.proto.v1.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One secure-aggregation session (SecAgg+), for a training round or for round 0's feature
 * statistics ({@link SecureInput}): five stages, each a task every remaining cohort member pulls,
 * with the coordinator only relaying. The coordinator ends up with the sum of the masked inputs,
 * unmasked, and never with one site's input.
 *
 * <pre>
 * advertise keys -> share keys -> masked input (train or compute statistics, encode, mask, upload)
 *   -> consistency check (survivors sign the survivor list) -> unmask (reveal shares)
 * </pre>
 *
 * A member that fails or goes silent at any stage is dropped; the round goes on while at least
 * max(threshold, participants.min) members remain, and otherwise fails with the stage and counts,
 * leaving the previous global model in place. What the unmasked mean does to the model is the
 * strategy's decision ({@code Strategy.aggregateSecureFit}), as in a plain round.
 *
 * <p>Failures are attributed where the coordinator can tell: a member whose message fails a check
 * its neighbours would make (a bad signature or X25519 key, a relayed certificate other than its
 * own, malformed shares, a bad survivor signature, malformed revealed shares) is excluded from the
 * rest of the session and named in a dropout record with the reason ({@link #excluded}), so its
 * neighbours never see the message and do not abort. A revealed share inconsistent with the others
 * of its secret is discarded and recorded. The caller decodes the sum with its {@link SecureInput},
 * which refuses a sum the survivors' honest encodings cannot produce; the round then fails, since
 * the sum does not say who sent the out-of-range values.
 *
 * <p>Durability. Once stage 3 may begin a site may have sent its masked input, and from then on it
 * refuses any other session of the round; so the session's transcript ({@link SecureTranscripts})
 * is saved in the job store before the first stage-3 task and after stages 3 and 4 (log before
 * ack: each save precedes the tasks of the next stage), replaced by the job's next session and
 * forgotten when the session fails. A restarted coordinator carries the session on ({@link
 * #carryOn}) instead of opening a second one.
 */
final class SecureRound {
  /**
   * How the session ended: the unmasked sum of the survivors' inputs with what the strategy and
   * the round log need, or why it failed. The sum is raw: its {@link SecureInput} decodes it.
   *
   * @param sum the unmasked sum (mod 2^32), null if the session failed
   * @param contributors how many masked inputs went into the sum
   * @param results the contributors whose masked input was unmasked (no metrics: a masked input
   *     carries none)
   */
  record Result(int[] sum, int contributors, int cohortSize, SecAggParameters parameters,
      List<FitResult> results, List<Failure> failures, Map<String, String> contributions, String aggregateHash,
      String failure) {
    static Result failed(String reason) {
      return new Result(null, 0, 0, null, List.of(), List.of(), Map.of(), null, reason);
    }
  }

  private final String jobId;
  private final JobSpec spec;
  private final Dispatcher dispatcher;
  private final RoundLog log;
  private final JobStore store;
  private final int round;
  private final int attempt;
  private final String tag;
  /** Members excluded for misbehaviour in this attempt: id to reason. */
  private final Map<String, String> excluded = new LinkedHashMap<>();
  private boolean sumRevealed;

  // The session, set by run or carryOn.
  private List<String> ids;
  private SecureInput input;
  private SecAggParameters parameters;
  private SecAggCoordinator secagg;
  private int needed;
  private final Map<String, SecAggPublicKeys> advertised = new LinkedHashMap<>();
  private final List<String> sharers = new ArrayList<>();
  private final List<FitResult> results = new ArrayList<>();
  private final List<Failure> failures = new ArrayList<>();
  private final Map<String, String> contributions = new LinkedHashMap<>();
  /** The contributions the round log accepted in this attempt before a restart (carryOn only). */
  private Map<String, String> logged = Map.of();

  /**
   * @param store where the session's transcript is kept from stage 3 on, so that a restarted
   *     coordinator carries it on ({@link #carryOn})
   */
  SecureRound(String jobId, JobSpec spec, Dispatcher dispatcher, RoundLog log, JobStore store, int round,
      int attempt) {
    this.jobId = jobId;
    this.spec = spec;
    this.dispatcher = dispatcher;
    this.log = log;
    this.store = store;
    this.round = round;
    this.attempt = attempt;
    this.tag = jobId + "/r" + round + "/a" + attempt;
  }

  /**
   * Runs the five stages over {@code ids}, each site computing {@code input}. The session replaces
   * any earlier open session of the job in the store; it is saved there before stage 3 and after
   * stages 3 and 4, and forgotten if it fails.
   */
  Result run(List<String> ids, SecureInput input) throws InterruptedException {
    store.clearSecureSession(jobId);
    return ended(stages(ids, input));
  }

  /**
   * Carries on the session {@code transcript} holds after a coordinator restart: the same attempt,
   * session tag, keys and shares; the stage it was in is asked again of the members that had not
   * completed it (a site answers a repeated task of its session with its earlier answer), then the
   * session goes on to unmask.
   *
   * <p>As a fresh session's sites would, the members' certificates are checked against the
   * current revocation list first: a member revoked while the session was interrupted is excluded
   * from the rest of it (a dropout naming the revocation). Before the masked-input stage completes
   * this keeps its input out of the sum; after it, its masked input, summed before the restart,
   * stays in the sum, as in a session that was never interrupted.
   *
   * @param input rebuilt from the transcript ({@link SecureTranscripts#input})
   * @param logged the contributions the round log accepted in this attempt before the restart
   * @param revocations where the federation's current revocation list comes from
   */
  Result carryOn(SecureSessionTranscript transcript, SecureInput input, Map<String, String> logged,
      RevocationSource revocations) throws InterruptedException {
    this.ids = List.copyOf(transcript.getCohortList());
    this.input = input;
    this.logged = Map.copyOf(logged);
    this.parameters = SecureTranscripts.parameters(transcript);
    this.needed = Math.max(parameters.threshold(), spec.minParticipants());
    try {
      this.secagg = SecAggCoordinator.restore(session(), parameters, input.words(),
          Runtime.getRuntime().availableProcessors(), SecureTranscripts.snapshot(transcript, input.words()));
    } catch (SecAggException | IllegalArgumentException e) {
      return ended(Result.failed("the secure-aggregation session " + tag + " kept from before the restart cannot"
          + " be carried on: " + e.getMessage()));
    }
    transcript.getKeysList().forEach(keys -> advertised.put(keys.getParticipant(), keys));
    sharers.addAll(transcript.getSharersList());
    transcript.getExcludedList().forEach(e -> excluded.put(e.getParticipant(), e.getReason()));
    transcript.getContributionsList().forEach(c -> {
      contributions.put(c.getParticipant(), c.getHash());
      results.add(new FitResult(c.getParticipant(), 0, Map.of()));
    });
    transcript.getFailuresList().forEach(f -> failures.add(new Failure(f.getParticipant(), f.getKind(),
        f.getReason())));
    String stageKind = switch (transcript.getStage()) {
      case MASKED_INPUT -> "secagg-masked";
      case CONSISTENCY_CHECK -> "secagg-check";
      default -> "secagg-unmask";
    };
    List<String> members = askable(switch (transcript.getStage()) {
      case MASKED_INPUT -> sharers;
      case CONSISTENCY_CHECK -> secagg.maskedInputSenders();
      default -> new ArrayList<>(secagg.survivorSignatures().keySet());
    });
    try {
      SecureTranscripts.revoked(transcript, revocations.current()).forEach((id, reason) -> {
        if (members.contains(id)) {
          exclude(stageKind, id, reason);
        }
      });
    } catch (java.io.IOException e) {
      return ended(Result.failed("the secure-aggregation session " + tag + " kept from before the restart cannot"
          + " be carried on without checking its members against the revocation list: " + e.getMessage()));
    } catch (SecAggException e) {
      return ended(Result.failed("the secure-aggregation session " + tag + " kept from before the restart cannot"
          + " be carried on: " + e.getMessage()));
    }
    members.removeAll(excluded.keySet());
    int enough = transcript.getStage() == SecureSessionTranscript.Stage.MASKED_INPUT ? needed
        : parameters.threshold();
    if (members.size() < enough) {
      return ended(Result.failed("secure aggregation stopped when its session was carried on after the restart: "
          + members.size() + " participants remain, at least " + enough + " needed"));
    }
    dispatcher.awaitConnected(members, java.util.Collections.min(List.of(spec.startTimeout(),
        spec.roundDeadline())));
    return ended(switch (transcript.getStage()) {
      case MASKED_INPUT -> maskedInput();
      case CONSISTENCY_CHECK -> consistencyCheck();
      default -> unmask();
    });
  }

  /** Forgets the session in the store when it failed: a failed session is never carried on. */
  private Result ended(Result result) {
    if (result.failure() != null) {
      store.clearSecureSession(jobId);
    }
    return result;
  }

  private SessionInfo session() {
    return new SessionInfo(jobId, round, input.subject(), ids, input.binding());
  }

  private Result stages(List<String> ids, SecureInput input) throws InterruptedException {
    SecureAggregationSpec settings = spec.secureAggregation();
    try {
      parameters = SecAggParameters.of(ids.size(), settings.neighbours(), settings.threshold(),
          settings.clip(), settings.bits());
    } catch (IllegalArgumentException e) {
      return Result.failed("secure aggregation cannot run with a cohort of " + ids.size() + ": "
          + e.getMessage());
    }
    this.ids = List.copyOf(ids);
    this.input = input;
    // The graph is derived, here as at every site, from the keys the cohort advertises (GraphSeed):
    // nothing the coordinator picks decides it.
    secagg = new SecAggCoordinator(session(), parameters, input.words());
    needed = Math.max(parameters.threshold(), spec.minParticipants());

    // Stage 1: advertise keys.
    SecAggAdvertiseKeys setup = SecAggAdvertiseKeys.newBuilder().setSessionTag(tag).addAllCohort(ids)
        .setNeighbours(parameters.neighbours())
        .setThreshold(parameters.threshold()).setClip(parameters.clip()).setBits(parameters.bits())
        .setModelHash(input.subject()).setMaxExamples(settings.maxExamples()).build();
    List<TaskOutcome> keyOutcomes = stage(ids, "secagg-keys",
        id -> {
          SecAggAdvertiseKeys.Builder own = setup.toBuilder();
          input.describe(id, own);
          return Task.newBuilder().setSecaggAdvertise(own);
        });
    for (TaskOutcome outcome : keyOutcomes) {
      if (!(outcome instanceof TaskOutcome.SecAggReply reply)) {
        continue;
      }
      SecAggPublicKeys keys = reply.result().getSecaggKeys();
      try {
        secagg.acceptKeys(new SignedKeys(outcome.participantId(), keys.getEncryptionPublicKey().toByteArray(),
            keys.getMaskingPublicKey().toByteArray(), keys.getSignature().toByteArray()),
            AdvertisedIdentity.of(reply, keys.getCertificate().toByteArray()));
        advertised.put(outcome.participantId(), keys.toBuilder().setParticipant(outcome.participantId()).build());
      } catch (SecAggException | IllegalArgumentException e) {
        exclude("secagg-keys", outcome.participantId(), "advertised keys refused: " + e.getMessage());
      }
    }
    secagg.advertisedKeys();
    stageRecord("advertise_keys", ids, advertised.keySet());
    String shortfall = shortfall("advertise keys", advertised.size(), needed, secagg);
    if (shortfall != null) {
      return Result.failed(shortfall + AlreadyContributed.note(keyOutcomes));
    }

    // Stage 2: share keys.
    SecAggShareKeys allKeys = SecAggShareKeys.newBuilder().setSessionTag(tag)
        .addAllKeys(advertised.values()).setRevocationList(dispatcher.signedRevocationList())
        .build();
    for (TaskOutcome outcome : stage(new ArrayList<>(advertised.keySet()), "secagg-shares",
        id -> Task.newBuilder().setSecaggShareKeys(allKeys))) {
      if (reply(outcome) == null) {
        continue;
      }
      List<EncryptedShare> shares = new ArrayList<>();
      for (SecAggShare share : reply(outcome).getSecaggShares().getSharesList()) {
        shares.add(new EncryptedShare(share.getFrom(), share.getTo(), share.getCiphertext().toByteArray()));
      }
      try {
        secagg.acceptShares(outcome.participantId(), shares);
        sharers.add(outcome.participantId());
      } catch (SecAggException | IllegalArgumentException e) {
        exclude("secagg-shares", outcome.participantId(), "key shares refused: " + e.getMessage());
      }
    }
    secagg.sharesFor(ids.get(0)); // closes key sharing
    stageRecord("share_keys", advertised.keySet(), sharers);
    shortfall = shortfall("share keys", sharers.size(), needed, secagg);
    if (shortfall != null) {
      return Result.failed(shortfall);
    }
    // From here on a masked input may leave a site: the session is kept, so a restart carries it on.
    save(SecureSessionTranscript.Stage.MASKED_INPUT);
    return maskedInput();
  }

  /** Stage 3: masked input. Updates go straight into the masked sum; none is kept. */
  private Result maskedInput() throws InterruptedException {
    Map<String, List<SecAggShare>> relayed = new LinkedHashMap<>();
    for (String id : sharers) {
      relayed.put(id, sharesFor(secagg, id));
    }
    RoundGate gate = new RoundGate((id, update, header) -> {
      String earlier = logged.get(id);
      if (earlier != null && !earlier.equals(header.getSha256())) {
        throw new IllegalArgumentException("'" + id + "' sent a masked input other than the one the round log"
            + " accepted from it in this session before the restart");
      }
      secagg.acceptMaskedInput(id, update);
    });
    for (TaskOutcome outcome : dispatcher.run(askable(sharers), round, attempt, "secagg-masked",
        dispatcher.deadlineAfter(spec.roundDeadline()), gate, id -> {
          SecAggMaskedInput.Builder task = SecAggMaskedInput.newBuilder().setSessionTag(tag)
              .addAllShares(relayed.get(id));
          input.ask(id, task);
          return Task.newBuilder().setSecaggMaskedInput(task);
        })) {
      if (outcome instanceof TaskOutcome.Fitted fitted) {
        contributions.put(fitted.participantId(), fitted.contributionHash());
        if (input.contributes() && !fitted.contributionHash().equals(logged.get(fitted.participantId()))) {
          log.contribution(round, attempt, fitted.participantId(), fitted.contributionHash());
        }
        results.add(new FitResult(fitted.participantId(), 0, fitted.metrics()));
      } else {
        failures.add(dispatcher.report(round, attempt, "secagg-masked", outcome));
      }
    }
    List<String> survivors = secagg.maskedInputSenders();
    stageRecord("masked_input", sharers, survivors);
    String shortfall = shortfall("masked input", survivors.size(), needed, secagg);
    if (shortfall != null) {
      return Result.failed(shortfall);
    }
    save(SecureSessionTranscript.Stage.CONSISTENCY_CHECK);
    return consistencyCheck();
  }

  /** Stage 4: consistency check. */
  private Result consistencyCheck() throws InterruptedException {
    List<String> survivors = secagg.maskedInputSenders();
    SecAggConsistencyCheck check = SecAggConsistencyCheck.newBuilder().setSessionTag(tag)
        .addAllSurvivors(survivors).build();
    for (TaskOutcome outcome : stage(askable(survivors), "secagg-check",
        id -> Task.newBuilder().setSecaggConsistency(check))) {
      if (reply(outcome) != null) {
        try {
          secagg.acceptSurvivorSignature(outcome.participantId(),
              reply(outcome).getSecaggSignature().getSignature().toByteArray());
        } catch (SecAggException e) {
          exclude("secagg-check", outcome.participantId(), "survivor signature refused: " + e.getMessage());
        }
      }
    }
    Map<String, byte[]> signatures = secagg.survivorSignatures();
    stageRecord("consistency_check", survivors, signatures.keySet());
    String shortfall = shortfall("consistency check", signatures.size(), parameters.threshold(), secagg);
    if (shortfall != null) {
      return Result.failed(shortfall);
    }
    save(SecureSessionTranscript.Stage.UNMASK);
    return unmask();
  }

  /** Stage 5: unmask. */
  private Result unmask() throws InterruptedException {
    List<String> survivors = secagg.maskedInputSenders();
    Map<String, byte[]> signatures = secagg.survivorSignatures();
    List<String> dropped = new ArrayList<>(sharers);
    dropped.removeAll(survivors);
    SecAggUnmask.Builder unmask = SecAggUnmask.newBuilder().setSessionTag(tag)
        .addAllSurvivors(survivors).addAllDropped(dropped);
    signatures.forEach((id, signature) -> unmask.addSurvivorSignatures(
        SecAggSignature.newBuilder().setParticipant(id).setSignature(ByteString.copyFrom(signature))));
    for (TaskOutcome outcome : stage(askable(signatures.keySet()), "secagg-unmask",
        id -> Task.newBuilder().setSecaggUnmask(unmask))) {
      if (reply(outcome) == null) {
        continue;
      }
      List<RevealedShare> shares = new ArrayList<>();
      for (SecAggRevealedShare share : reply(outcome).getSecaggReveal().getSharesList()) {
        shares.add(new RevealedShare(outcome.participantId(), share.getAbout(),
            share.getKind() == SecAggRevealedShare.Kind.SELF_MASK_SEED
                ? RevealedShare.Kind.SELF_MASK_SEED : RevealedShare.Kind.MASKING_KEY,
            share.getX(), share.getValuesList().stream().mapToLong(Long::longValue).toArray()));
      }
      try {
        secagg.acceptRevealedShares(outcome.participantId(), shares);
      } catch (SecAggException | IllegalArgumentException e) {
        exclude("secagg-unmask", outcome.participantId(), "revealed shares refused: " + e.getMessage());
      }
    }
    int[] sum;
    try {
      sum = secagg.unmaskedSum();
    } catch (SecAggException e) {
      return Result.failed("secure aggregation could not unmask the sum: " + e.getMessage());
    } finally {
      for (DiscardedShare share : secagg.discardedShares()) {
        log.shareDiscarded(round, attempt, share.revealer(), share.about(), share.reason());
      }
    }
    sumRevealed = true;
    stageRecord("unmask", signatures.keySet(), signatures.keySet());
    return new Result(sum, survivors.size(), ids.size(), parameters, results, failures, contributions,
        ParameterCodec.hashWords(sum), null);
  }

  /** Saves the session's transcript, to be carried on from {@code next} after a restart. */
  private void save(SecureSessionTranscript.Stage next) {
    store.saveSecureSession(jobId, SecureTranscripts.of(tag, round, attempt, next, ids, parameters, input,
        advertised.values(), sharers, secagg.snapshot(), contributions, failures, excluded).toByteArray());
  }

  /**
   * The members this attempt excluded for a message that failed the coordinator's checks, with the
   * reason; a retry of the round leaves them out unless {@link #sumRevealed} (then a smaller cohort
   * would let the two sums differ in exactly those members).
   */
  Map<String, String> excluded() {
    return Map.copyOf(excluded);
  }

  /** Whether this attempt unmasked a sum, whether or not it was then accepted. */
  boolean sumRevealed() {
    return sumRevealed;
  }

  /** The members of a stage that were not excluded from the session. */
  private List<String> askable(java.util.Collection<String> members) {
    List<String> askable = new ArrayList<>(members);
    askable.removeAll(excluded.keySet());
    return askable;
  }

  /** Leaves {@code participant} out of the rest of the session and names it in the round log. */
  private void exclude(String stage, String participant, String reason) {
    excluded.put(participant, reason);
    dispatcher.reject(round, attempt, stage, participant, "excluded from the session: " + reason);
  }

  /** Records who went into a stage and who came out of it. */
  private void stageRecord(String stage, java.util.Collection<String> in, java.util.Collection<String> out) {
    List<String> dropped = new ArrayList<>(in);
    dropped.removeAll(out);
    log.secAggStage(round, attempt, stage, new ArrayList<>(out), dropped);
  }

  private List<TaskOutcome> stage(List<String> ids, String kind,
      java.util.function.Function<String, Task.Builder> body) throws InterruptedException {
    List<TaskOutcome> outcomes = dispatcher.run(ids, round, attempt, kind,
        dispatcher.deadlineAfter(spec.roundDeadline()), null, body);
    for (TaskOutcome outcome : outcomes) {
      if (!(outcome instanceof TaskOutcome.SecAggReply)) {
        dispatcher.report(round, attempt, kind, outcome);
      }
    }
    return outcomes;
  }

  private static io.factoryfl.proto.v1.TaskResult reply(TaskOutcome outcome) {
    return outcome instanceof TaskOutcome.SecAggReply reply ? reply.result() : null;
  }

  private static List<SecAggShare> sharesFor(SecAggCoordinator secagg, String id) {
    List<SecAggShare> shares = new ArrayList<>();
    for (EncryptedShare share : secagg.sharesFor(id)) {
      shares.add(SecAggShare.newBuilder().setFrom(share.from()).setTo(share.to())
          .setCiphertext(ByteString.copyFrom(share.ciphertext())).build());
    }
    return shares;
  }

  /**
   * Why the round cannot go on after a stage: too few members overall, or (judged by the protocol)
   * a member left with fewer than threshold live neighbours; null while it can.
   */
  private static String shortfall(String stage, int remaining, int needed, SecAggCoordinator secagg) {
    if (remaining < needed) {
      return "secure aggregation stopped after '" + stage + "': " + remaining
          + " participants remain, at least " + needed + " needed (max of threshold and participants.min)";
    }
    return secagg.shortfall().map(reason -> "secure aggregation stopped after '" + stage + "': "
        + reason).orElse(null);
  }
}
