package io.factoryfl.coordinator.job;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.factoryfl.coordinator.store.JobStore;
import io.factoryfl.coordinator.store.StoreException;
import io.factoryfl.coordinator.strategy.Failure;
import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.core.secagg.EncryptedShare;
import io.factoryfl.core.secagg.SecAggCoordinator;
import io.factoryfl.core.secagg.SecAggException;
import io.factoryfl.core.secagg.SecAggParameters;
import io.factoryfl.core.secagg.SignedKeys;
import io.factoryfl.core.security.RevocationList;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.proto.v1.DatasetBinding;
import io.factoryfl.proto.v1.FeatureStatsTask;
import io.factoryfl.proto.v1.SecAggPublicKeys;
import io.factoryfl.proto.v1.SecAggShare;
import io.factoryfl.proto.v1.SecAggSignature;
import io.factoryfl.proto.v1.SecureSessionTranscript;
import io.factoryfl.proto.v1.SecureSessionTranscript.Stage;
import io.factoryfl.proto.v1.TrainTask;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Converts a secure session between what {@link SecureRound} holds and the {@link
 * SecureSessionTranscript} its job store keeps, so that a restarted coordinator carries the session
 * on. The transcript holds only what the coordinator relayed or summed: keys with the certificates
 * they came with, encrypted shares, the masked-input sum and its senders, survivor signatures.
 */
final class SecureTranscripts {
  private SecureTranscripts() {}

  /** The transcript of a session at {@code stage}; {@code snapshot} is its coordinator's state. */
  static SecureSessionTranscript of(String tag, int round, int attempt, Stage stage, List<String> cohort,
      SecAggParameters parameters, SecureInput input, Collection<SecAggPublicKeys> keys, List<String> sharers,
      SecAggCoordinator.Snapshot snapshot, Map<String, String> contributions, List<Failure> failures,
      Map<String, String> excluded) {
    SecureSessionTranscript.Builder t = SecureSessionTranscript.newBuilder().setSessionTag(tag).setRound(round)
        .setAttempt(attempt).setStage(stage).addAllCohort(cohort).setNeighbours(parameters.neighbours())
        .setThreshold(parameters.threshold()).setClip(parameters.clip()).setBits(parameters.bits())
        .addAllKeys(keys).addAllSharers(sharers);
    if (input instanceof SecureInput.Training training) {
      SecureSessionTranscript.TrainingInput.Builder in = SecureSessionTranscript.TrainingInput.newBuilder()
          .setBaseModel(training.subject()).setDimension(training.layout().dimension());
      cohort.forEach(id -> in.addTrains(training.trains().get(id)));
      t.setTraining(in);
    } else {
      t.setStatistics(FeatureStatsTask.getDefaultInstance());
    }
    snapshot.shares().values().forEach(list -> list.forEach(share -> t.addShares(SecAggShare.newBuilder()
        .setFrom(share.from()).setTo(share.to()).setCiphertext(ByteString.copyFrom(share.ciphertext())))));
    if (stage != Stage.MASKED_INPUT) {
      int[] sum = snapshot.sum();
      t.addAllSurvivors(snapshot.maskedSenders())
          .setMaskedSum(ByteString.copyFrom(ParameterCodec.encodeWords(sum, 0, sum.length)));
      contributions.forEach((id, hash) -> t.addContributions(
          SecureSessionTranscript.Contribution.newBuilder().setParticipant(id).setHash(hash)));
      failures.forEach(failure -> t.addFailures(stageFailure(failure.participantId(), failure.kind(),
          failure.reason())));
    }
    snapshot.signatures().forEach((id, signature) -> t.addSignatures(SecAggSignature.newBuilder()
        .setParticipant(id).setSignature(ByteString.copyFrom(signature))));
    excluded.forEach((id, reason) -> t.addExcluded(stageFailure(id, "excluded", reason)));
    return t.build();
  }

  /**
   * The job's open session if it can be carried on in {@code round}: saved by the attempt that was
   * in progress ({@code lastAttempt}) once its masked-input stage had begun. Anything else (no
   * session, another round or attempt) is not continued.
   *
   * @throws StoreException if the stored transcript is damaged
   */
  static Optional<SecureSessionTranscript> continuable(JobStore store, String jobId, int round, int lastAttempt) {
    Optional<byte[]> stored = store.secureSession(jobId);
    if (stored.isEmpty()) {
      return Optional.empty();
    }
    SecureSessionTranscript t;
    try {
      t = SecureSessionTranscript.parseFrom(stored.get());
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("the stored secure-aggregation session of job " + jobId + " is damaged; restore"
          + " the store from a backup", e);
    }
    boolean open = t.getStage() == Stage.MASKED_INPUT || t.getStage() == Stage.CONSISTENCY_CHECK
        || t.getStage() == Stage.UNMASK;
    return open && t.getRound() == round && t.getAttempt() == lastAttempt && lastAttempt > 0
        ? Optional.of(t) : Optional.empty();
  }

  /** The session's parameters, as it ran with them. */
  static SecAggParameters parameters(SecureSessionTranscript t) {
    return new SecAggParameters(t.getNeighbours(), t.getThreshold(), t.getClip(), t.getBits());
  }

  /**
   * What the session's sites put into the sum, rebuilt from the transcript: the same train tasks
   * (so a site sees the stage-3 task it advertised for) or round 0's statistics.
   *
   * @throws IllegalArgumentException if the tasks no longer bind alike
   */
  static SecureInput input(SecureSessionTranscript t, String jobId, DatasetBinding dataset, long maxExamples) {
    if (!t.hasTraining()) {
      return SecureInput.statistics(jobId, dataset, maxExamples);
    }
    Map<String, TrainTask> trains = new LinkedHashMap<>();
    for (int i = 0; i < t.getCohortCount(); i++) {
      trains.put(t.getCohort(i), t.getTraining().getTrains(i));
    }
    return SecureInput.training(t.getTraining().getBaseModel(), t.getTraining().getDimension(), trains, dataset,
        maxExamples);
  }

  /**
   * The coordinator state the transcript holds, with each identity key taken again from the
   * certificate its keys were advertised with.
   *
   * @throws SecAggException if a certificate cannot be read or binds no identity key
   */
  static SecAggCoordinator.Snapshot snapshot(SecureSessionTranscript t, int dimension) {
    List<SecAggCoordinator.AcceptedKeys> keys = new ArrayList<>();
    for (SecAggPublicKeys k : t.getKeysList()) {
      keys.add(new SecAggCoordinator.AcceptedKeys(new SignedKeys(k.getParticipant(),
          k.getEncryptionPublicKey().toByteArray(), k.getMaskingPublicKey().toByteArray(),
          k.getSignature().toByteArray()), identityKey(k)));
    }
    Map<String, List<EncryptedShare>> shares = new LinkedHashMap<>();
    t.getSharersList().forEach(id -> shares.put(id, new ArrayList<>()));
    for (SecAggShare share : t.getSharesList()) {
      List<EncryptedShare> from = shares.get(share.getFrom());
      if (from == null) {
        throw new SecAggException("the stored session holds a share from '" + share.getFrom()
            + "', who is not among its sharers");
      }
      from.add(new EncryptedShare(share.getFrom(), share.getTo(), share.getCiphertext().toByteArray()));
    }
    int[] sum = new int[dimension];
    if (!t.getMaskedSum().isEmpty()) {
      ByteBuffer bytes = ByteBuffer.wrap(t.getMaskedSum().toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
      sum = new int[bytes.remaining() / Integer.BYTES];
      bytes.asIntBuffer().get(sum);
    }
    Map<String, byte[]> signatures = new LinkedHashMap<>();
    t.getSignaturesList().forEach(s -> signatures.put(s.getParticipant(), s.getSignature().toByteArray()));
    SecAggCoordinator.Stage stage = switch (t.getStage()) {
      case MASKED_INPUT -> SecAggCoordinator.Stage.MASKED_INPUT;
      case CONSISTENCY_CHECK -> SecAggCoordinator.Stage.CONSISTENCY_CHECK;
      case UNMASK -> SecAggCoordinator.Stage.UNMASK;
      default -> throw new SecAggException("the stored session is in no stage that can be carried on ("
          + t.getStage() + ")");
    };
    return new SecAggCoordinator.Snapshot(stage, keys, shares, t.getSurvivorsList(), sum, signatures);
  }

  /**
   * The members whose certificate, as relayed with their keys, {@code revocations} revokes, with
   * why: a carried-on session checks them as a fresh session's sites would have in its stage 2.
   *
   * @throws SecAggException if a certificate cannot be read
   */
  static Map<String, String> revoked(SecureSessionTranscript t, RevocationList revocations) {
    Map<String, String> revoked = new LinkedHashMap<>();
    for (SecAggPublicKeys keys : t.getKeysList()) {
      revocations.find(certificate(keys)).ifPresent(revocation -> revoked.put(keys.getParticipant(),
          "its certificate was revoked ('" + revocation.name() + "' at " + revocation.revokedAt()
              + (revocation.reason().isEmpty() ? "" : ": " + revocation.reason()) + ") while the session was"
              + " interrupted"));
    }
    return revoked;
  }

  private static X509Certificate certificate(SecAggPublicKeys keys) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(keys.getCertificate().toByteArray()));
    } catch (CertificateException | IllegalArgumentException e) {
      throw new SecAggException("the stored certificate of '" + keys.getParticipant() + "' cannot be read: "
          + e.getMessage());
    }
  }

  private static PublicKey identityKey(SecAggPublicKeys keys) {
    try {
      X509Certificate certificate = certificate(keys);
      PublicKey key = SigningIdentity.signingKeyOf(certificate);
      if (key == null) {
        throw new SecAggException("the stored certificate of '" + keys.getParticipant() + "' binds no identity key");
      }
      return key;
    } catch (IllegalArgumentException e) {
      throw new SecAggException("the stored certificate of '" + keys.getParticipant() + "' cannot be read: "
          + e.getMessage());
    }
  }

  private static SecureSessionTranscript.StageFailure stageFailure(String id, String kind, String reason) {
    return SecureSessionTranscript.StageFailure.newBuilder().setParticipant(id).setKind(kind).setReason(reason)
        .build();
  }
}
