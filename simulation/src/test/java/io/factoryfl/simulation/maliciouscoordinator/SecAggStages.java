package io.factoryfl.simulation.maliciouscoordinator;

import com.google.protobuf.ByteString;
import io.factoryfl.core.secagg.EncryptedShare;
import io.factoryfl.core.secagg.MaskedLayout;
import io.factoryfl.core.secagg.NeighbourGraph;
import io.factoryfl.core.secagg.RevealedShare;
import io.factoryfl.core.secagg.SecAggCoordinator;
import io.factoryfl.core.secagg.SecAggParameters;
import io.factoryfl.core.secagg.SessionInfo;
import io.factoryfl.core.secagg.SignedKeys;
import io.factoryfl.core.secagg.StatisticsLayout;
import io.factoryfl.core.secagg.TrainingBinding;
import io.factoryfl.proto.v1.FeatureStatsTask;
import io.factoryfl.proto.v1.SecAggAdvertiseKeys;
import io.factoryfl.proto.v1.SecAggConsistencyCheck;
import io.factoryfl.proto.v1.SecAggMaskedInput;
import io.factoryfl.proto.v1.SecAggPublicKeys;
import io.factoryfl.proto.v1.SecAggRevealedShare;
import io.factoryfl.proto.v1.SecAggShare;
import io.factoryfl.proto.v1.SecAggShareKeys;
import io.factoryfl.proto.v1.SecAggSignature;
import io.factoryfl.proto.v1.SecAggUnmask;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskResult;
import io.factoryfl.proto.v1.TrainTask;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The five SecAgg+ stages as the {@link DeviatingFleet} runs them, with core's real {@link
 * SecAggCoordinator} keeping the coordinator's state. The cohort's graph is complete (k = n - 1),
 * so it is the same whatever seed anyone derives it from.
 */
final class SecAggStages {
  static final long MAX_EXAMPLES = 1000;
  static final double CLIP = 4.0;
  static final int BITS = 16;

  /** What a round left the coordinator holding. */
  record Outcome(Map<String, Object> keyReplies, Map<String, Object> maskedReplies, int[] sum, String failure) {}

  private final DeviatingFleet fleet;
  /** The last round's stage-3 tasks by site and its unmask request, for a coordinator that asks again. */
  final Map<String, Task> maskedTasks = new java.util.concurrent.ConcurrentHashMap<>();
  SecAggUnmask lastUnmask;

  SecAggStages(DeviatingFleet fleet) {
    this.fleet = fleet;
  }

  static TrainTask train(String modelHash, double learningRate) {
    return TrainTask.newBuilder().setModelHash(modelHash).setLocalEpochs(1).setBatchSize(8)
        .setLearningRate(learningRate).setSeed(3)
        .setNormalization(io.factoryfl.proto.v1.Normalization.newBuilder().addMean(0).addMean(0).addStd(1).addStd(1))
        .build();
  }

  static SecAggParameters parameters(int n) {
    return SecAggParameters.of(n, n - 1, n / 2 + 1, CLIP, BITS);
  }

  static SecAggAdvertiseKeys.Builder setup(String tag, List<String> cohort, String modelHash, long maxExamples) {
    SecAggParameters parameters = parameters(cohort.size());
    return SecAggAdvertiseKeys.newBuilder().setSessionTag(tag).addAllCohort(cohort)
        .setNeighbours(parameters.neighbours()).setThreshold(parameters.threshold()).setGraphSeed(1)
        .setClip(CLIP).setBits(BITS).setModelHash(modelHash).setMaxExamples(maxExamples);
  }

  /** Sends one task per site and waits for every answer (a TaskResult or an Upload). */
  Map<String, Object> stage(String job, int round, String tag, String kind, Collection<String> sites,
      Function<String, Task.Builder> body) throws InterruptedException {
    Map<String, String> ids = new LinkedHashMap<>();
    for (String site : sites) {
      String id = tag + "/" + kind + "/" + site;
      ids.put(site, id);
      fleet.send(site, id, body.apply(site).setJobId(job).setRound(round));
    }
    Map<String, Object> replies = new LinkedHashMap<>();
    for (Map.Entry<String, String> id : ids.entrySet()) {
      replies.put(id.getKey(), fleet.await(id.getValue()));
    }
    return replies;
  }

  static boolean refused(Object reply) {
    return reply instanceof TaskResult result && result.hasRefusal();
  }

  static String reason(Object reply) {
    return reply instanceof TaskResult result && result.hasRefusal() ? result.getRefusal().getCode() + ": "
        + result.getRefusal().getReason() : String.valueOf(reply);
  }

  /**
   * A full round as an honest coordinator runs it, over {@code cohort}, every site training with
   * {@code train} (the same for all). Returns what the coordinator holds at the end.
   */
  Outcome run(String job, int round, String tag, List<String> cohort, String modelHash, TrainTask train,
      int dimension) throws InterruptedException {
    return run(job, round, tag, cohort, modelHash, TrainingBinding.of(train, DeviatingFleet.BINDING, MAX_EXAMPLES),
        new MaskedLayout(dimension).words(), setup -> setup.setTrain(train),
        (site, masked) -> masked.setTrain(train.toBuilder().setSeed(site.hashCode())));
  }

  /**
   * The round-0 statistics session as an honest coordinator runs it for {@code job} over {@code
   * cohort}: every site sums its feature statistics ({@link StatisticsLayout}) into the masked sum.
   */
  Outcome runStatistics(String job, String tag, List<String> cohort) throws InterruptedException {
    return run(job, 0, tag, cohort, StatisticsLayout.subject(job),
        TrainingBinding.statistics(job, DeviatingFleet.BINDING, MAX_EXAMPLES),
        new StatisticsLayout(DeviatingFleet.BINDING.getNumericFeaturesCount()).words(),
        setup -> setup.setStatistics(FeatureStatsTask.getDefaultInstance()),
        (site, masked) -> masked.setStatistics(FeatureStatsTask.getDefaultInstance()));
  }

  private Outcome run(String job, int round, String tag, List<String> cohort, String subject,
      TrainingBinding binding, int words, UnaryOperator<SecAggAdvertiseKeys.Builder> describe,
      BiFunction<String, SecAggMaskedInput.Builder, SecAggMaskedInput.Builder> ask) throws InterruptedException {
    SecAggParameters parameters = parameters(cohort.size());
    NeighbourGraph graph = NeighbourGraph.harary(cohort.size(), parameters.neighbours(), 1);
    SecAggCoordinator secagg = new SecAggCoordinator(new SessionInfo(job, round, subject, cohort, binding),
        parameters, graph, words);

    Map<String, Object> keyReplies = stage(job, round, tag, "keys", cohort,
        site -> Task.newBuilder().setSecaggAdvertise(describe.apply(setup(tag, cohort, subject, MAX_EXAMPLES))));
    List<SecAggPublicKeys> advertised = new ArrayList<>();
    keyReplies.forEach((site, reply) -> {
      if (!refused(reply)) {
        SecAggPublicKeys keys = ((TaskResult) reply).getSecaggKeys();
        advertised.add(keys);
        secagg.acceptKeys(new SignedKeys(site, keys.getEncryptionPublicKey().toByteArray(),
            keys.getMaskingPublicKey().toByteArray(), keys.getSignature().toByteArray()), identityOf(keys));
      }
    });
    secagg.advertisedKeys();
    if (secagg.shortfall().isPresent()) {
      return new Outcome(keyReplies, Map.of(), null, "advertise keys: " + secagg.shortfall().get());
    }

    List<String> sharers = advertised.stream().map(SecAggPublicKeys::getParticipant).toList();
    Map<String, Object> shareReplies = stage(job, round, tag, "shares", sharers, site -> Task.newBuilder()
        .setSecaggShareKeys(SecAggShareKeys.newBuilder().setSessionTag(tag).addAllKeys(advertised)));
    shareReplies.forEach((site, reply) -> {
      if (!refused(reply)) {
        List<EncryptedShare> shares = new ArrayList<>();
        for (SecAggShare share : ((TaskResult) reply).getSecaggShares().getSharesList()) {
          shares.add(new EncryptedShare(share.getFrom(), share.getTo(), share.getCiphertext().toByteArray()));
        }
        secagg.acceptShares(site, shares);
      }
    });

    Map<String, Object> maskedReplies = stage(job, round, tag, "masked", sharers, site -> {
      Task.Builder task = Task.newBuilder().setSecaggMaskedInput(ask.apply(site,
          SecAggMaskedInput.newBuilder().setSessionTag(tag).addAllShares(sharesFor(secagg, site))));
      maskedTasks.put(site, task.clone().setJobId(job).setRound(round).build());
      return task;
    });
    maskedReplies.forEach((site, reply) -> {
      if (reply instanceof DeviatingFleet.Upload upload) {
        secagg.acceptMaskedInput(site, upload.words());
      }
    });
    List<String> survivors = secagg.maskedInputSenders();
    if (secagg.shortfall().isPresent() || survivors.size() < parameters.threshold()) {
      return new Outcome(keyReplies, maskedReplies, null, "masked input: " + survivors.size() + " survivors");
    }

    Map<String, Object> signed = stage(job, round, tag, "check", survivors, site -> Task.newBuilder()
        .setSecaggConsistency(SecAggConsistencyCheck.newBuilder().setSessionTag(tag).addAllSurvivors(survivors)));
    signed.forEach((site, reply) -> {
      if (!refused(reply)) {
        secagg.acceptSurvivorSignature(site, ((TaskResult) reply).getSecaggSignature().getSignature().toByteArray());
      }
    });
    Map<String, byte[]> signatures = secagg.survivorSignatures();
    SecAggUnmask.Builder unmask = SecAggUnmask.newBuilder().setSessionTag(tag).addAllSurvivors(survivors)
        .addAllDropped(secagg.dropped());
    signatures.forEach((id, signature) -> unmask.addSurvivorSignatures(
        SecAggSignature.newBuilder().setParticipant(id).setSignature(ByteString.copyFrom(signature))));
    lastUnmask = unmask.build();
    Map<String, Object> revealed = stage(job, round, tag, "unmask", signatures.keySet(),
        site -> Task.newBuilder().setSecaggUnmask(unmask));
    revealed.forEach((site, reply) -> {
      if (!refused(reply)) {
        List<RevealedShare> shares = new ArrayList<>();
        for (SecAggRevealedShare share : ((TaskResult) reply).getSecaggReveal().getSharesList()) {
          shares.add(new RevealedShare(site, share.getAbout(),
              share.getKind() == SecAggRevealedShare.Kind.SELF_MASK_SEED
                  ? RevealedShare.Kind.SELF_MASK_SEED : RevealedShare.Kind.MASKING_KEY,
              share.getX(), share.getValuesList().stream().mapToLong(Long::longValue).toArray()));
        }
        secagg.acceptRevealedShares(site, shares);
      }
    });
    return new Outcome(keyReplies, maskedReplies, secagg.unmaskedSum(), null);
  }

  static List<SecAggShare> sharesFor(SecAggCoordinator secagg, String site) {
    List<SecAggShare> shares = new ArrayList<>();
    for (EncryptedShare share : secagg.sharesFor(site)) {
      shares.add(SecAggShare.newBuilder().setFrom(share.from()).setTo(share.to())
          .setCiphertext(ByteString.copyFrom(share.ciphertext())).build());
    }
    return shares;
  }

  /** The identity key a site's relayed certificate binds (what the real coordinator checks too). */
  static java.security.PublicKey identityOf(SecAggPublicKeys keys) {
    try {
      java.security.cert.X509Certificate certificate = (java.security.cert.X509Certificate)
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(
              new java.io.ByteArrayInputStream(keys.getCertificate().toByteArray()));
      return io.factoryfl.core.security.SigningIdentity.signingKeyOf(certificate);
    } catch (java.security.cert.CertificateException e) {
      throw new IllegalStateException("the relayed certificate of " + keys.getParticipant()
          + " cannot be read", e);
    }
  }
}
