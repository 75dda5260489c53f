package io.factoryfl.simulation.maliciouscoordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.secagg.EncryptedShare;
import io.factoryfl.core.secagg.MaskedLayout;
import io.factoryfl.core.secagg.NeighbourGraph;
import io.factoryfl.core.secagg.SecAggCoordinator;
import io.factoryfl.core.secagg.SecAggParameters;
import io.factoryfl.core.secagg.SessionInfo;
import io.factoryfl.core.secagg.SignedKeys;
import io.factoryfl.core.secagg.TrainingBinding;
import io.factoryfl.proto.v1.RefusalCode;
import io.factoryfl.proto.v1.SecAggConsistencyCheck;
import io.factoryfl.proto.v1.SecAggMaskedInput;
import io.factoryfl.proto.v1.SecAggPublicKeys;
import io.factoryfl.proto.v1.SecAggShare;
import io.factoryfl.proto.v1.SecAggShareKeys;
import io.factoryfl.proto.v1.SecAggUnmask;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskResult;
import io.factoryfl.proto.v1.TrainTask;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * H1, the model-inconsistency attack (Pasquini et al., CCS 2022): the coordinator trains the
 * target normally and every other site with a learning rate of 1e-30 (or caps the target's
 * examples at W = 1 and the others' at the largest W), so that the unmasked sum is the target's
 * update. Each site binds the training it advertised into the session id and its key signature,
 * and refuses a stage-3 task that trains otherwise, so the round either trains every honest site
 * alike or aborts; the coordinator never holds a sum with the target's input in it.
 */
class ModelInconsistencyAttackTest {
  private static final List<String> COHORT = List.of("plant-1", "plant-2", "plant-3", "plant-4", "plant-5");
  private static final String TARGET = "plant-1";
  private static final String JOB = "job-h1";

  @TempDir Path dir;
  private DeviatingFleet fleet;
  private SecAggStages stages;
  private String base;
  private int dimension;

  @BeforeEach
  void start() throws Exception {
    fleet = new DeviatingFleet(dir, COHORT);
    stages = new SecAggStages(fleet);
    float[] initial = DeviatingFleet.initialModel();
    dimension = initial.length;
    base = fleet.publish(initial);
  }

  @AfterEach
  void stop() throws InterruptedException {
    fleet.close();
  }

  @Test
  @Timeout(60)
  void aNormalLearningRateForTheTargetOnly_abortsEverySiteAtShareKeys() throws Exception {
    assertTargetIsolatedAtStage1Aborts(site -> TrainTask.newBuilder(SecAggStages.train(base,
        site.equals(TARGET) ? 0.05 : 1e-30)).build(), site -> SecAggStages.MAX_EXAMPLES);
  }

  @Test
  @Timeout(60)
  void wOfOneForTheTargetAndTheLargestForTheRest_abortsEverySiteAtShareKeys() throws Exception {
    assertTargetIsolatedAtStage1Aborts(site -> SecAggStages.train(base, 0.05),
        site -> site.equals(TARGET) ? 1 : SecAggStages.MAX_EXAMPLES);
  }

  /**
   * Every site is told its own (deviating) training at stage 1 and every key is relayed to
   * everyone: the target's keys are signed for another binding than its neighbours', so each
   * honest site finds a neighbour's signature invalid and aborts before sending any share.
   */
  private void assertTargetIsolatedAtStage1Aborts(Function<String, TrainTask> train, Function<String, Long> w)
      throws InterruptedException {
    String tag = JOB + "/r1/a1";
    Map<String, Object> keys = stages.stage(JOB, 1, tag, "keys", COHORT, site -> Task.newBuilder()
        .setSecaggAdvertise(SecAggStages.setup(tag, COHORT, base, w.apply(site)).setTrain(train.apply(site))));
    List<SecAggPublicKeys> all = new ArrayList<>();
    keys.values().forEach(reply -> all.add(((TaskResult) reply).getSecaggKeys()));

    Map<String, Object> shares = stages.stage(JOB, 1, tag, "shares", COHORT, site -> Task.newBuilder()
        .setSecaggShareKeys(SecAggShareKeys.newBuilder().setSessionTag(tag).addAllKeys(all)));

    shares.forEach((site, reply) -> {
      assertTrue(SecAggStages.refused(reply), site + " sent shares: " + reply);
      TaskResult result = (TaskResult) reply;
      assertEquals(RefusalCode.SECURE_AGGREGATION, result.getRefusal().getCode());
      assertTrue(result.getRefusal().getReason().contains("training binding"), SecAggStages.reason(reply));
    });
    assertTrue(fleet.uploads.isEmpty(), "no site sent a masked input");
  }

  @Test
  @Timeout(60)
  void hidingTheSlowedSitesFromTheTarget_leavesItBelowThresholdAndOutOfTheOnlySum() throws Exception {
    // The coordinator relays to the target only its own keys and to the others only theirs, as if
    // each side had dropped: the others can finish a round among themselves, the target cannot.
    String tag = JOB + "/r1/a1";
    TrainTask normal = SecAggStages.train(base, 0.05);
    TrainTask slowed = SecAggStages.train(base, 1e-30);
    Function<String, TrainTask> train = site -> site.equals(TARGET) ? normal : slowed;
    Map<String, Object> keys = stages.stage(JOB, 1, tag, "keys", COHORT, site -> Task.newBuilder()
        .setSecaggAdvertise(SecAggStages.setup(tag, COHORT, base, SecAggStages.MAX_EXAMPLES).setTrain(train.apply(site))));
    List<SecAggPublicKeys> others = new ArrayList<>();
    keys.forEach((site, reply) -> {
      if (!site.equals(TARGET)) {
        others.add(((TaskResult) reply).getSecaggKeys());
      }
    });
    SecAggPublicKeys targetKeys = ((TaskResult) keys.get(TARGET)).getSecaggKeys();

    Map<String, Object> shares = stages.stage(JOB, 1, tag, "shares", COHORT, site -> Task.newBuilder()
        .setSecaggShareKeys(SecAggShareKeys.newBuilder().setSessionTag(tag)
            .addAllKeys(site.equals(TARGET) ? List.of(targetKeys) : others)));

    assertTrue(SecAggStages.refused(shares.get(TARGET)), "the target has no neighbour left: " + shares.get(TARGET));
    assertTrue(SecAggStages.reason(shares.get(TARGET)).contains("threshold"), SecAggStages.reason(shares.get(TARGET)));
    // The coordinator runs the rest of the round with the slowed sites: its sum excludes the target.
    SecAggParameters parameters = SecAggStages.parameters(COHORT.size());
    SecAggCoordinator secagg = new SecAggCoordinator(new SessionInfo(JOB, 1, base, COHORT,
        TrainingBinding.of(slowed, DeviatingFleet.BINDING, SecAggStages.MAX_EXAMPLES)), parameters,
        NeighbourGraph.harary(COHORT.size(), parameters.neighbours(), 1),
        new MaskedLayout(dimension).words());
    for (SecAggPublicKeys k : others) {
      secagg.acceptKeys(new SignedKeys(k.getParticipant(), k.getEncryptionPublicKey().toByteArray(),
          k.getMaskingPublicKey().toByteArray(), k.getSignature().toByteArray()), SecAggStages.identityOf(k));
    }
    secagg.advertisedKeys();
    shares.forEach((site, reply) -> {
      if (!SecAggStages.refused(reply)) {
        List<EncryptedShare> list = new ArrayList<>();
        for (SecAggShare share : ((TaskResult) reply).getSecaggShares().getSharesList()) {
          list.add(new EncryptedShare(share.getFrom(), share.getTo(), share.getCiphertext().toByteArray()));
        }
        secagg.acceptShares(site, list);
      }
    });
    List<String> sharers = new ArrayList<>(COHORT);
    sharers.remove(TARGET);
    Map<String, Object> masked = stages.stage(JOB, 1, tag, "masked", sharers, site -> Task.newBuilder()
        .setSecaggMaskedInput(SecAggMaskedInput.newBuilder().setSessionTag(tag)
            .addAllShares(SecAggStages.sharesFor(secagg, site)).setTrain(slowed)));
    masked.values().forEach(reply -> assertTrue(reply instanceof DeviatingFleet.Upload, String.valueOf(reply)));
    assertFalse(fleet.uploads.stream().anyMatch(u -> u.site().equals(TARGET)), "the target sent no masked input");
    fleet.uploads.forEach(u -> secagg.acceptMaskedInput(u.site(), u.words()));
    assertEquals(sharers, secagg.maskedInputSenders(), "every sum the coordinator can unmask leaves the target out");
  }

  @Test
  @Timeout(60)
  void slowingTheOthersOnlyAtStage3_isRefusedAndTheTargetsInputCannotBeUnmasked() throws Exception {
    // An honest stage 1 and 2 for everyone; the deviation comes with the training task itself.
    String tag = JOB + "/r1/a1";
    TrainTask normal = SecAggStages.train(base, 0.05);
    SecAggParameters parameters = SecAggStages.parameters(COHORT.size());
    SecAggCoordinator secagg = new SecAggCoordinator(new SessionInfo(JOB, 1, base, COHORT,
        TrainingBinding.of(normal, DeviatingFleet.BINDING, SecAggStages.MAX_EXAMPLES)), parameters,
        NeighbourGraph.harary(COHORT.size(), parameters.neighbours(), 1),
        new MaskedLayout(dimension).words());
    Map<String, Object> keys = stages.stage(JOB, 1, tag, "keys", COHORT, site -> Task.newBuilder()
        .setSecaggAdvertise(SecAggStages.setup(tag, COHORT, base, SecAggStages.MAX_EXAMPLES).setTrain(normal)));
    List<SecAggPublicKeys> all = new ArrayList<>();
    keys.forEach((site, reply) -> {
      SecAggPublicKeys k = ((TaskResult) reply).getSecaggKeys();
      all.add(k);
      secagg.acceptKeys(new SignedKeys(site, k.getEncryptionPublicKey().toByteArray(),
          k.getMaskingPublicKey().toByteArray(), k.getSignature().toByteArray()), SecAggStages.identityOf(k));
    });
    secagg.advertisedKeys();
    Map<String, Object> shares = stages.stage(JOB, 1, tag, "shares", COHORT, site -> Task.newBuilder()
        .setSecaggShareKeys(SecAggShareKeys.newBuilder().setSessionTag(tag).addAllKeys(all)));
    shares.forEach((site, reply) -> {
      List<EncryptedShare> list = new ArrayList<>();
      for (SecAggShare share : ((TaskResult) reply).getSecaggShares().getSharesList()) {
        list.add(new EncryptedShare(share.getFrom(), share.getTo(), share.getCiphertext().toByteArray()));
      }
      secagg.acceptShares(site, list);
    });

    Map<String, Object> masked = stages.stage(JOB, 1, tag, "masked", COHORT, site -> Task.newBuilder()
        .setSecaggMaskedInput(SecAggMaskedInput.newBuilder().setSessionTag(tag)
            .addAllShares(SecAggStages.sharesFor(secagg, site))
            .setTrain(site.equals(TARGET) ? normal : SecAggStages.train(base, 1e-30))));

    masked.forEach((site, reply) -> {
      if (!site.equals(TARGET)) {
        assertTrue(SecAggStages.refused(reply), site + " trained with 1e-30: " + reply);
        assertTrue(SecAggStages.reason(reply).contains("train.learning_rate"), SecAggStages.reason(reply));
      }
    });
    assertTrue(masked.get(TARGET) instanceof DeviatingFleet.Upload, "the target trained as it advertised");
    secagg.acceptMaskedInput(TARGET, ((DeviatingFleet.Upload) masked.get(TARGET)).words());
    // Only the target's masked input exists; its neighbours aborted, and so does it at the check.
    Map<String, Object> check = stages.stage(JOB, 1, tag, "check", List.of(TARGET), site -> Task.newBuilder()
        .setSecaggConsistency(SecAggConsistencyCheck.newBuilder().setSessionTag(tag).addSurvivors(TARGET)));
    assertTrue(SecAggStages.refused(check.get(TARGET)), String.valueOf(check.get(TARGET)));
    // Asked for the shares of the target's self-mask seed anyway, its neighbours hold nothing.
    List<String> others = new ArrayList<>(COHORT);
    others.remove(TARGET);
    Map<String, Object> reveal = stages.stage(JOB, 1, tag, "unmask", others, site -> Task.newBuilder()
        .setSecaggUnmask(SecAggUnmask.newBuilder().setSessionTag(tag).addSurvivors(TARGET)));
    reveal.forEach((site, reply) -> assertTrue(SecAggStages.reason(reply).contains("no secure-aggregation session"),
        site + ": " + SecAggStages.reason(reply)));
    assertThrows(RuntimeException.class, secagg::unmaskedSum, "no unmasked sum exists");
  }
}
