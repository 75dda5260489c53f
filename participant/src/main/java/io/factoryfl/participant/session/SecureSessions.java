package io.factoryfl.participant.session;

import com.google.protobuf.ByteString;
import io.factoryfl.core.data.FeatureStats;
import io.factoryfl.core.secagg.EncryptedShare;
import io.factoryfl.core.secagg.FixedPoint;
import io.factoryfl.core.secagg.MaskedLayout;
import io.factoryfl.core.secagg.RevealedShare;
import io.factoryfl.core.secagg.SecAggException;
import io.factoryfl.core.secagg.SecAggParameters;
import io.factoryfl.core.secagg.SecAggParticipant;
import io.factoryfl.core.secagg.SessionInfo;
import io.factoryfl.core.secagg.SignedKeys;
import io.factoryfl.core.secagg.StatisticsLayout;
import io.factoryfl.core.secagg.TrainingBinding;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.proto.v1.SecAggAdvertiseKeys;
import io.factoryfl.proto.v1.SecAggConsistencyCheck;
import io.factoryfl.proto.v1.SecAggPublicKeys;
import io.factoryfl.proto.v1.SecAggRevealList;
import io.factoryfl.proto.v1.SecAggRevealedShare;
import io.factoryfl.proto.v1.SecAggShare;
import io.factoryfl.proto.v1.SecAggShareKeys;
import io.factoryfl.proto.v1.SecAggShareList;
import io.factoryfl.proto.v1.SecAggSignature;
import io.factoryfl.proto.v1.SecAggUnmask;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TrainTask;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * This site's side of the secure-aggregation rounds it is in: one {@link SecAggParticipant} per
 * session, kept from the advertise-keys stage until the job's next session, an abort, or {@link
 * #EXPIRY} without a call, and then destroyed. It lives in the participant process, so a
 * coordinator that restarts finds it again: a repeated stage-3 task of the session gets the same
 * masked input again ({@link #sentBefore}), a repeated consistency check the same signature and a
 * repeated unmask request the same shares, while anything that contradicts an earlier answer (other
 * relayed shares, another survivor list, both shares of one peer, other training) aborts the
 * session as before. Peers'
 * identity keys are taken only from certificates that chain to the federation CA and name the
 * peer, so the coordinator relaying the messages cannot impersonate anyone.
 *
 * <p>The session binds the training the site advertised ({@link TrainingBinding}): at stage 3 the
 * site refuses a train task that differs from it in anything but the seed. It sends at most one
 * masked input per base model and per (job, round) ({@link ContributionLog}), recorded on disk
 * before the input leaves, and rounds stochastically with its own randomness ({@link
 * RoundingRandom}), never with a seed the coordinator knows. In round 0 of a secure job the
 * session sums feature statistics instead ({@link StatisticsLayout}); it binds the dataset and
 * is keyed, for the one-contribution rule, by the job's statistics subject.
 */
final class SecureSessions {
  private final SigningIdentity identity;
  private final X509Certificate ca;
  private final Clock clock;
  private final ContributionLog contributions;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Session> sessions = new HashMap<>();
  /** How long a session is kept without a call: a coordinator restart must come back within it. */
  static final java.time.Duration EXPIRY = java.time.Duration.ofHours(24);

  private static final class Session {
    final String jobId;
    final SecAggParameters parameters;
    final int cohortSize;
    final long maxExamples;
    final SecAggParticipant participant;
    final Map<String, byte[]> certificates = new HashMap<>();
    final Map<String, PublicKey> verified = new HashMap<>();
    int round;
    Task advertised;
    TrainingBinding binding;
    /** The masked input this site sent and the shares it was masked with; null before stage 3. */
    int[] maskedInput;
    List<SecAggShare> maskedWith;
    java.time.Instant lastUsed;

    Session(String jobId, SecAggParameters parameters, int cohortSize, long maxExamples,
        SecAggParticipant participant) {
      this.jobId = jobId;
      this.parameters = parameters;
      this.cohortSize = cohortSize;
      this.maxExamples = maxExamples;
      this.participant = participant;
    }
  }

  /** @param contributions this site's record of the masked inputs it sent */
  SecureSessions(SigningIdentity identity, X509Certificate ca, Clock clock, ContributionLog contributions) {
    this.identity = identity;
    this.ca = ca;
    this.clock = clock;
    this.contributions = contributions;
  }

  /** Stage 1: sets up the session and returns this site's signed per-round keys. */
  synchronized SecAggPublicKeys advertise(Task task) {
    SecAggAdvertiseKeys setup = task.getSecaggAdvertise();
    String tag = setup.getSessionTag();
    expire();
    if (sessions.containsKey(tag)) {
      abort(tag);
      throw new SecAggException("session " + tag + " was set up twice; aborted");
    }
    dropOtherSessionsOf(task.getJobId());
    List<String> cohort = setup.getCohortList();
    if (!cohort.contains(identity.name())) {
      throw new SecAggException("this site '" + identity.name() + "' is not in the cohort of " + tag);
    }
    TrainingBinding binding = binding(task);
    contributions.requireNone(identity.name(), task.getJobId(), task.getRound(), setup.getModelHash());
    SecAggParameters parameters = SessionParameters.of(setup);
    Session[] holder = new Session[1];
    SecAggParticipant participant = new SecAggParticipant(identity.name(),
        new SessionInfo(task.getJobId(), task.getRound(), setup.getModelHash(), cohort, binding), parameters,
        identity.privateKey(), peer -> peerKey(holder[0], peer), random);
    Session session = new Session(task.getJobId(), parameters, cohort.size(), setup.getMaxExamples(),
        participant);
    session.round = task.getRound();
    session.lastUsed = clock.instant();
    session.advertised = task;
    session.binding = binding;
    holder[0] = session;
    sessions.put(tag, session);
    SignedKeys keys = participant.advertiseKeys();
    return SecAggPublicKeys.newBuilder().setParticipant(identity.name())
        .setEncryptionPublicKey(ByteString.copyFrom(keys.encryptionPublicKey()))
        .setMaskingPublicKey(ByteString.copyFrom(keys.maskingPublicKey()))
        .setSignature(ByteString.copyFrom(keys.signature()))
        .setCertificate(ByteString.copyFrom(identity.certificateDer())).build();
  }

  /** Stage 2: checks the peers' keys and returns this site's encrypted shares for its neighbours. */
  synchronized SecAggShareList shareKeys(Task task) {
    SecAggShareKeys request = task.getSecaggShareKeys();
    Session session = require(request.getSessionTag());
    if (peerCheck != null) {
      peerCheck.relayed(request.getRevocationList().toByteArray());
    }
    List<SignedKeys> keys = new ArrayList<>();
    for (SecAggPublicKeys k : request.getKeysList()) {
      session.certificates.put(k.getParticipant(), k.getCertificate().toByteArray());
      keys.add(new SignedKeys(k.getParticipant(), k.getEncryptionPublicKey().toByteArray(),
          k.getMaskingPublicKey().toByteArray(), k.getSignature().toByteArray()));
    }
    List<EncryptedShare> shares = guarded(request.getSessionTag(), () -> session.participant.shareKeys(keys));
    SecAggShareList.Builder list = SecAggShareList.newBuilder();
    for (EncryptedShare share : shares) {
      list.addShares(SecAggShare.newBuilder().setFrom(share.from()).setTo(share.to())
          .setCiphertext(ByteString.copyFrom(share.ciphertext())));
    }
    return list.build();
  }

  /**
   * Stage 3 asked again in a session whose masked input this site already sent (the coordinator
   * restarted and carries the session on): the identical masked input, to be uploaded again, if
   * the task is the one answered before (same training as advertised, same relayed shares) and the
   * contribution record holds this session's input and no other. Empty if this site has not sent
   * its masked input in the session: then the task runs as usual ({@link #requireAdvertised}).
   *
   * @throws SecAggException if the repeated task contradicts the first (the session is aborted)
   */
  synchronized java.util.Optional<int[]> sentBefore(Task task) {
    String tag = task.getSecaggMaskedInput().getSessionTag();
    Session session = require(tag);
    if (session.maskedInput == null) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(guarded(tag, () -> {
      List<String> differences = TrainingDifference.between(session.advertised, task);
      if (!differences.isEmpty()) {
        throw new SecAggException("the repeated stage-3 task of session " + tag + " trains differently from"
            + " what this site advertised at stage 1 (" + String.join(", ", differences) + ")");
      }
      if (!session.maskedWith.equals(task.getSecaggMaskedInput().getSharesList())) {
        throw new SecAggException("the repeated stage-3 task of session " + tag + " relays other shares than"
            + " the task this site answered; a site sends one masked input per session");
      }
      contributions.requireOnly(identity.name(), session.jobId, session.round, session.binding.modelHash(), tag,
          session.binding.hex());
      return session.maskedInput.clone();
    }));
  }

  /**
   * Stage 3, before any training: the masked-input task must train exactly as advertised at stage 1
   * (same train task but for the seed, same dataset binding), and this site must not have sent a
   * masked input for this round or base model since. Otherwise the session is aborted.
   *
   * @throws SecAggException naming the fields that differ, or the earlier contribution
   */
  synchronized void requireAdvertised(Task task) {
    String tag = task.getSecaggMaskedInput().getSessionTag();
    Session session = require(tag);
    guarded(tag, () -> {
      List<String> differences = TrainingDifference.between(session.advertised, task);
      if (!differences.isEmpty()) {
        throw new SecAggException("the stage-3 task of session " + tag + " trains differently from what this"
            + " site advertised and bound into the session at stage 1 (" + String.join(", ", differences)
            + "); a site trains only as it advertised, so a coordinator cannot train one site apart from"
            + " the others");
      }
      contributions.requireNone(identity.name(), session.jobId, session.round, session.binding.modelHash());
      return null;
    });
  }

  /**
   * Encodes this site's update for the session: clipped, example-weighted fixed point, rounded with
   * this site's own randomness, laid out by {@link MaskedLayout} (delta, training loss, count), so
   * the loss never travels in the clear. A site with more examples than the job's
   * max_examples_per_site is weighted as that cap.
   */
  synchronized int[] encode(String tag, float[] delta, double trainLoss, long numExamples) {
    Session session = require(tag);
    return guarded(tag, () -> {
      float[] values = new MaskedLayout(delta.length).values(delta, trainLoss, session.parameters.clip());
      try (RoundingRandom rounding = new RoundingRandom(random)) {
        return FixedPoint.encode(values, Math.min(numExamples, session.maxExamples),
            session.parameters, session.cohortSize, session.maxExamples, rounding);
      }
    });
  }

  /**
   * Encodes this site's feature statistics for a round-0 statistics session ({@link
   * StatisticsLayout}): weighed as at most max_examples_per_site rows, as exact integer limbs, so
   * that no count, sum or sum of squares travels in the clear.
   *
   * @param columns the job's numeric feature names, for messages
   * @throws SecAggException if the session is a training session
   * @throws ArithmeticException if a value is too large to encode (naming the column, not the value)
   */
  synchronized int[] encodeStatistics(String tag, FeatureStats stats, List<String> columns) {
    Session session = require(tag);
    return guarded(tag, () -> {
      if (!StatisticsLayout.isSubject(session.binding.modelHash())) {
        throw new SecAggException("session " + tag + " was set up for training, not for feature statistics");
      }
      return new StatisticsLayout(stats.numFeatures()).encode(stats.capped(session.maxExamples), columns,
          session.cohortSize, session.maxExamples);
    });
  }

  /**
   * Stage 3: masks this site's encoded update with the shares its neighbours sent, and records the
   * contribution durably; only then may the caller upload the words.
   */
  synchronized int[] mask(String tag, List<SecAggShare> received, int[] encoded) {
    Session session = require(tag);
    List<EncryptedShare> shares = new ArrayList<>();
    for (SecAggShare share : received) {
      shares.add(new EncryptedShare(share.getFrom(), share.getTo(), share.getCiphertext().toByteArray()));
    }
    return guarded(tag, () -> {
      int[] masked = session.participant.maskInput(shares, encoded);
      contributions.record(identity.name(), session.jobId, session.round, session.binding.modelHash(), tag,
          session.binding.hex());
      session.maskedInput = masked.clone();
      session.maskedWith = List.copyOf(received);
      return masked;
    });
  }

  /** Stage 4: signs the survivor list. */
  synchronized SecAggSignature signSurvivors(Task task) {
    SecAggConsistencyCheck check = task.getSecaggConsistency();
    Session session = require(check.getSessionTag());
    byte[] signature = guarded(check.getSessionTag(),
        () -> session.participant.signSurvivors(check.getSurvivorsList()));
    return SecAggSignature.newBuilder().setParticipant(identity.name())
        .setSignature(ByteString.copyFrom(signature)).build();
  }

  /**
   * Stage 5: reveals shares as the rules allow. The session is kept (until the job's next session
   * or {@link #EXPIRY}), so that the same request after a coordinator restart gets the same shares;
   * any other request is refused as before.
   */
  synchronized SecAggRevealList unmask(Task task) {
    SecAggUnmask request = task.getSecaggUnmask();
    String tag = request.getSessionTag();
    Session session = require(tag);
    Map<String, byte[]> signatures = new HashMap<>();
    for (SecAggSignature s : request.getSurvivorSignaturesList()) {
      signatures.put(s.getParticipant(), s.getSignature().toByteArray());
    }
    List<RevealedShare> shares = guarded(tag, () -> session.participant.unmask(
        request.getSurvivorsList(), request.getDroppedList(), signatures));
    SecAggRevealList.Builder list = SecAggRevealList.newBuilder();
    for (RevealedShare share : shares) {
      list.addShares(SecAggRevealedShare.newBuilder().setAbout(share.about())
          .setKind(share.kind() == RevealedShare.Kind.SELF_MASK_SEED
              ? SecAggRevealedShare.Kind.SELF_MASK_SEED : SecAggRevealedShare.Kind.MASKING_KEY)
          .setX(share.x()).addAllValues(java.util.Arrays.stream(share.values()).boxed().toList()));
    }
    return list.build();
  }

  /**
   * The binding of an advertise-keys task, checked before the site commits to it: the training it
   * binds, or in round 0 the feature statistics of this job ({@link TrainingBinding#statistics}).
   */
  private static TrainingBinding binding(Task task) {
    SecAggAdvertiseKeys setup = task.getSecaggAdvertise();
    if (setup.getMaxExamples() < 1) {
      throw new SecAggException("the advertise-keys task caps a site's examples at " + setup.getMaxExamples()
          + "; max_examples must be at least 1");
    }
    if (setup.hasStatistics()) {
      return statisticsBinding(task);
    }
    if (!setup.hasTrain()) {
      throw new SecAggException("the advertise-keys task carries no training binding (field 'train'); this"
          + " site joins only sessions that bind the training it will run, so the coordinator must be"
          + " upgraded");
    }
    TrainTask train = setup.getTrain();
    if (!train.getModelHash().equals(setup.getModelHash())) {
      throw new SecAggException("the advertise-keys task sets up a session about model " + setup.getModelHash()
          + " but binds training from model " + train.getModelHash());
    }
    if (StatisticsLayout.isSubject(setup.getModelHash())) {
      throw new SecAggException("the advertise-keys task binds training to the statistics subject "
          + setup.getModelHash() + "; a training session is about a model");
    }
    TaskChecks.training(train);
    return TrainingBinding.of(train, task.getDataset(), setup.getMaxExamples());
  }

  /**
   * A statistics session is round 0 of its job, about {@link StatisticsLayout#subject} of that job
   * (which this site derives, so a coordinator cannot key two jobs' statistics alike), and binds no
   * training.
   */
  private static TrainingBinding statisticsBinding(Task task) {
    SecAggAdvertiseKeys setup = task.getSecaggAdvertise();
    if (setup.hasTrain()) {
      throw new SecAggException("the advertise-keys task binds both training and feature statistics; a"
          + " session sums one or the other");
    }
    if (task.getRound() != 0) {
      throw new SecAggException("the advertise-keys task asks for feature statistics in round "
          + task.getRound() + "; statistics are summed in round 0 only");
    }
    String subject = StatisticsLayout.subject(task.getJobId());
    if (!setup.getModelHash().equals(subject)) {
      throw new SecAggException("the advertise-keys task sets up a statistics session about '"
          + setup.getModelHash() + "'; for job " + task.getJobId() + " it must be '" + subject + "'");
    }
    try {
      StatisticsLayout.requireCohort(setup.getCohortCount(), setup.getMaxExamples());
    } catch (IllegalArgumentException e) {
      throw new SecAggException("secure-aggregation setup " + setup.getSessionTag() + " refused: "
          + e.getMessage());
    }
    return TrainingBinding.statistics(task.getJobId(), task.getDataset(), setup.getMaxExamples());
  }

  /** Checks peers' certificates, revocation and pinned keys; set by the agent. */
  private PeerCheck peerCheck;

  /** Uses {@code check} for every peer's identity key (see {@link PeerCheck}). */
  SecureSessions checkingPeersWith(PeerCheck check) {
    this.peerCheck = check;
    return this;
  }

  private PublicKey peerKey(Session session, String peer) {
    PublicKey key = session.verified.get(peer);
    if (key == null) {
      byte[] certificate = session.certificates.get(peer);
      if (certificate == null) {
        throw new SecAggException("no certificate was relayed for peer '" + peer + "'");
      }
      if (peerCheck == null) {
        throw new SecAggException("this site has no peer check (pins and revocation list)"
            + " configured, so it cannot accept the key of peer '" + peer + "'");
      }
      key = peerCheck.signingKey(peer, certificate);
      session.verified.put(peer, key);
    }
    return key;
  }

  private <T> T guarded(String tag, java.util.function.Supplier<T> step) {
    try {
      T answer = step.get();
      if (peerCheck != null) {
        // Peers pinned during the step are on disk before the answer that relied on them leaves.
        peerCheck.keepPins();
      }
      return answer;
    } catch (SecAggException e) {
      abort(tag);
      throw e;
    } catch (RuntimeException e) {
      abort(tag);
      // Anything else is not a protocol message: its text may carry local detail, so it goes to
      // the refusal path as it is, where only its kind is reported (Refusals, site_error).
      throw e;
    }
  }

  private Session require(String tag) {
    expire();
    Session session = sessions.get(tag);
    if (session == null) {
      throw new SecAggException("no secure-aggregation session '" + tag
          + "' at this site (never set up, expired, superseded by a later round, or aborted)");
    }
    session.lastUsed = clock.instant();
    return session;
  }

  private void abort(String tag) {
    Session session = sessions.remove(tag);
    if (session != null) {
      forget(session);
    }
  }

  private static void forget(Session session) {
    session.participant.destroy();
    if (session.maskedInput != null) {
      java.util.Arrays.fill(session.maskedInput, 0);
    }
  }

  /** Destroys the sessions no call has used for {@link #EXPIRY}. */
  private void expire() {
    java.time.Instant limit = clock.instant().minus(EXPIRY);
    Iterator<Map.Entry<String, Session>> it = sessions.entrySet().iterator();
    while (it.hasNext()) {
      Session session = it.next().getValue();
      if (session.lastUsed.isBefore(limit)) {
        forget(session);
        it.remove();
      }
    }
  }

  /** A new round of a job supersedes any session of the same job, finished or not. */
  private void dropOtherSessionsOf(String jobId) {
    Iterator<Map.Entry<String, Session>> it = sessions.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Session> entry = it.next();
      if (entry.getValue().jobId.equals(jobId)) {
        forget(entry.getValue());
        it.remove();
      }
    }
  }
}
