package io.factoryfl.participant.session;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.FeatureStats;
import io.factoryfl.core.secagg.ContributionRule;
import io.factoryfl.core.secagg.StatisticsLayout;
import io.factoryfl.core.secagg.SecAggException;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.proto.v1.DatasetBinding;
import io.factoryfl.proto.v1.FeatureStatsTask;
import io.factoryfl.proto.v1.Normalization;
import io.factoryfl.proto.v1.SecAggAdvertiseKeys;
import io.factoryfl.proto.v1.SecAggMaskedInput;
import io.factoryfl.proto.v1.SecAggPublicKeys;
import io.factoryfl.proto.v1.SecAggShare;
import io.factoryfl.proto.v1.SecAggShareKeys;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TrainTask;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stage 3 trains exactly as stage 1 bound (any field but the seed), and the masked input is on
 * record before it is handed out for upload. Real identities from a real CA; the relaying is done
 * here, as a coordinator would.
 */
class SecureSessionsBindingTest {
  private static final List<String> COHORT = List.of("plant-a", "plant-b", "plant-c", "plant-d", "plant-e");
  private static final String TAG = "job-1/r2/a1";
  private static final TrainTask TRAIN = TrainTask.newBuilder().setModelHash("base-1").setLocalEpochs(1)
      .setBatchSize(16).setLearningRate(0.01).setSeed(5).setUpdateClipNorm(0)
      .setNormalization(Normalization.newBuilder().addMean(0.5).addStd(2)).build();
  private static final DatasetBinding DATASET = DatasetBinding.newBuilder().setName("press")
      .addNumericFeatures("torque").setLabelColumn("failure").addLabelClasses("0").addLabelClasses("1").build();

  @TempDir Path dir;
  private final Map<String, SecureSessions> sites = new LinkedHashMap<>();

  @BeforeEach
  void enrol() throws Exception {
    Clock clock = Clock.systemUTC();
    CertificateAuthority ca = CertificateAuthority.create("federation", clock, Duration.ofDays(2), new SecureRandom());
    byte[] noneRevoked = io.factoryfl.core.security.SignedRevocationList.sign(ca,
        io.factoryfl.core.security.RevocationList.empty()).encoded();
    for (String name : COHORT) {
      PeerCheck peers = new PeerCheck(ca.certificate(), PeerPins.open(dir.resolve(name + ".pins.json"), clock),
          clock, Duration.ofHours(24));
      peers.relayed(noneRevoked);
      sites.put(name, new SecureSessions(
          SigningIdentity.of(ca.issue(name, Role.PARTICIPANT, Duration.ofDays(1), List.of())), ca.certificate(),
          clock, log(name)).checkingPeersWith(peers));
    }
  }

  private ContributionLog log(String name) {
    return ContributionLog.open(dir.resolve(name + ".secagg-contributions.log"), Clock.systemUTC());
  }

  @Test
  void aStage3LearningRateOtherThanAdvertised_isRefusedAndAbortsTheSession() {
    SecureSessions site = sites.get("plant-a");
    site.advertise(advertise(TRAIN));

    SecAggException e = assertThrows(SecAggException.class,
        () -> site.requireAdvertised(masked(TRAIN.toBuilder().setLearningRate(1e-30).build(), List.of())));
    assertTrue(e.getMessage().contains("train.learning_rate"), e.getMessage());
    SecAggException later = assertThrows(SecAggException.class,
        () -> site.requireAdvertised(masked(TRAIN, List.of())));
    assertTrue(later.getMessage().contains("no secure-aggregation session"), later.getMessage());
  }

  @Test
  void everyTrainField_andTheDataset_areCompared() {
    List<Task> changed = List.of(
        masked(TRAIN.toBuilder().setModelHash("base-2").build(), List.of()),
        masked(TRAIN.toBuilder().setLocalEpochs(50).build(), List.of()),
        masked(TRAIN.toBuilder().setBatchSize(1).build(), List.of()),
        masked(TRAIN.toBuilder().setNormalization(Normalization.newBuilder().addMean(9).addStd(2)).build(), List.of()),
        masked(TRAIN.toBuilder().setUpdateClipNorm(100).build(), List.of()),
        masked(TRAIN, List.of()).toBuilder().setDataset(DATASET.toBuilder().setLabelColumn("torque")).build());
    for (Task task : changed) {
      SecureSessions site = sites.get("plant-a");
      site.advertise(advertise(TRAIN));
      assertThrows(SecAggException.class, () -> site.requireAdvertised(task), task.toString());
    }
  }

  @Test
  void anotherSeed_isAccepted() {
    SecureSessions site = sites.get("plant-a");
    site.advertise(advertise(TRAIN));

    assertDoesNotThrow(() -> site.requireAdvertised(masked(TRAIN.toBuilder().setSeed(77).build(), List.of())));
  }

  @Test
  void anAdvertiseTaskWithoutTrainingBinding_isRefused() {
    Task task = advertise(TRAIN);
    Task unbound = task.toBuilder().setSecaggAdvertise(task.getSecaggAdvertise().toBuilder().clearTrain()).build();

    SecAggException e = assertThrows(SecAggException.class, () -> sites.get("plant-a").advertise(unbound));
    assertTrue(e.getMessage().contains("no training binding"), e.getMessage());
  }

  @Test
  void theMaskedInput_isOnRecordBeforeItIsHandedOut_andASecondSessionForTheRoundIsRefused() {
    List<SecAggPublicKeys> keys = new ArrayList<>();
    sites.values().forEach(site -> keys.add(site.advertise(advertise(TRAIN))));
    Task shareKeys = Task.newBuilder().setJobId("job-1").setRound(2).setSecaggShareKeys(
        SecAggShareKeys.newBuilder().setSessionTag(TAG).addAllKeys(keys)).build();
    Map<String, List<SecAggShare>> inbox = new LinkedHashMap<>();
    sites.values().forEach(site -> site.shareKeys(shareKeys).getSharesList()
        .forEach(share -> inbox.computeIfAbsent(share.getTo(), to -> new ArrayList<>()).add(share)));
    SecureSessions site = sites.get("plant-a");
    site.requireAdvertised(masked(TRAIN, inbox.get("plant-a")));
    int[] encoded = site.encode(TAG, new float[] {0.1f, -0.2f, 0.3f}, 0.5, 40);

    int[] words = site.mask(TAG, inbox.get("plant-a"), encoded);

    assertEquals(5, words.length);
    SecAggException onDisk = assertThrows(SecAggException.class,
        () -> log("plant-a").requireNone("plant-a", "job-1", 2, "base-9"));
    assertTrue(onDisk.getMessage().contains(ContributionRule.REFUSAL), onDisk.getMessage());
    Task retry = advertise(TRAIN).toBuilder().setSecaggAdvertise(
        advertise(TRAIN).getSecaggAdvertise().toBuilder().setSessionTag("job-1/r2/a2")).build();
    SecAggException refused = assertThrows(SecAggException.class, () -> site.advertise(retry));
    assertTrue(refused.getMessage().contains("trained from model base-1"), refused.getMessage());
  }

  @Test
  void aStatisticsSession_isSetUpOnlyForRoundZeroOfItsOwnJob_andBindsNoTraining() {
    SecureSessions site = sites.get("plant-a");
    Task statistics = statisticsAdvertise("job-1", StatisticsLayout.subject("job-1"));

    SecAggException laterRound = assertThrows(SecAggException.class,
        () -> site.advertise(statistics.toBuilder().setRound(2).build()));
    assertTrue(laterRound.getMessage().contains("round 0 only"), laterRound.getMessage());
    SecAggException otherJob = assertThrows(SecAggException.class,
        () -> site.advertise(statisticsAdvertise("job-1", StatisticsLayout.subject("job-0"))));
    assertTrue(otherJob.getMessage().contains("it must be 'feature-statistics/job-1'"), otherJob.getMessage());
    SecAggException both = assertThrows(SecAggException.class, () -> site.advertise(statistics.toBuilder()
        .setSecaggAdvertise(statistics.getSecaggAdvertise().toBuilder().setTrain(TRAIN)).build()));
    assertTrue(both.getMessage().contains("both training and feature statistics"), both.getMessage());
    SecAggException trainingAsSubject = assertThrows(SecAggException.class, () -> site.advertise(
        advertise(TRAIN.toBuilder().setModelHash(StatisticsLayout.subject("job-1")).build()).toBuilder()
            .setSecaggAdvertise(advertise(TRAIN).getSecaggAdvertise().toBuilder()
                .setModelHash(StatisticsLayout.subject("job-1"))
                .setTrain(TRAIN.toBuilder().setModelHash(StatisticsLayout.subject("job-1")))).build()));
    assertTrue(trainingAsSubject.getMessage().contains("statistics subject"), trainingAsSubject.getMessage());
    assertDoesNotThrow(() -> site.advertise(statistics));
  }

  @Test
  void aStatisticsSession_refusesAStage3TrainingTask_andTrainingSessionsRefuseStatistics() {
    SecureSessions site = sites.get("plant-a");
    site.advertise(statisticsAdvertise("job-1", StatisticsLayout.subject("job-1")));
    Task train = masked(TRAIN, List.of()).toBuilder().setRound(0).setSecaggMaskedInput(
        SecAggMaskedInput.newBuilder().setSessionTag("job-1/r0/a1").setTrain(TRAIN)).build();
    SecAggException e = assertThrows(SecAggException.class, () -> site.requireAdvertised(train));
    assertTrue(e.getMessage().contains("statistics"), e.getMessage());

    site.advertise(advertise(TRAIN));
    FeatureStats stats = new FeatureStats(4, new double[] {2}, new double[] {3});
    SecAggException wrongKind = assertThrows(SecAggException.class,
        () -> site.encodeStatistics(TAG, stats, List.of("torque")));
    assertTrue(wrongKind.getMessage().contains("set up for training"), wrongKind.getMessage());
  }

  @Test
  void statisticsGoIntoOneSumPerJob_onRecordBeforeTheyAreHandedOut() {
    String tag = "job-1/r0/a1";
    List<SecAggPublicKeys> keys = new ArrayList<>();
    sites.values().forEach(site -> keys.add(site.advertise(statisticsAdvertise("job-1",
        StatisticsLayout.subject("job-1")))));
    Task shareKeys = Task.newBuilder().setJobId("job-1").setRound(0).setSecaggShareKeys(
        SecAggShareKeys.newBuilder().setSessionTag(tag).addAllKeys(keys)).build();
    Map<String, List<SecAggShare>> inbox = new LinkedHashMap<>();
    sites.values().forEach(site -> site.shareKeys(shareKeys).getSharesList()
        .forEach(share -> inbox.computeIfAbsent(share.getTo(), to -> new ArrayList<>()).add(share)));
    SecureSessions site = sites.get("plant-a");
    Task stage3 = Task.newBuilder().setJobId("job-1").setRound(0).setDataset(DATASET)
        .setSecaggMaskedInput(SecAggMaskedInput.newBuilder().setSessionTag(tag).addAllShares(inbox.get("plant-a"))
            .setStatistics(FeatureStatsTask.getDefaultInstance())).build();
    site.requireAdvertised(stage3);
    // 5000 rows are weighed as the job's cap of 1000
    int[] encoded = site.encodeStatistics(tag, new FeatureStats(5000, new double[] {2500}, new double[] {9000}),
        List.of("torque"));
    assertEquals(1000, encoded[encoded.length - 1]);

    int[] words = site.mask(tag, inbox.get("plant-a"), encoded);

    assertEquals(new StatisticsLayout(1).words(), words.length);
    SecAggException again = assertThrows(SecAggException.class,
        () -> site.advertise(statisticsAdvertise("job-1", StatisticsLayout.subject("job-1")).toBuilder()
            .setSecaggAdvertise(statisticsAdvertise("job-1", StatisticsLayout.subject("job-1")).getSecaggAdvertise()
                .toBuilder().setSessionTag("job-1/r0/a2")).build()));
    assertTrue(again.getMessage().contains(ContributionRule.REFUSAL), again.getMessage());
  }

  private static Task statisticsAdvertise(String job, String subject) {
    return Task.newBuilder().setJobId(job).setRound(0).setDataset(DATASET)
        .setSecaggAdvertise(SecAggAdvertiseKeys.newBuilder().setSessionTag(job + "/r0/a1").addAllCohort(COHORT)
            .setNeighbours(4).setThreshold(3).setClip(4).setBits(16).setModelHash(subject)
            .setMaxExamples(1000).setStatistics(FeatureStatsTask.getDefaultInstance())).build();
  }

  private static Task advertise(TrainTask train) {
    return Task.newBuilder().setJobId("job-1").setRound(2).setDataset(DATASET)
        .setSecaggAdvertise(SecAggAdvertiseKeys.newBuilder().setSessionTag(TAG).addAllCohort(COHORT)
            .setNeighbours(4).setThreshold(3).setGraphSeed(17).setClip(4).setBits(16).setModelHash("base-1")
            .setMaxExamples(1000).setTrain(train)).build();
  }

  private static Task masked(TrainTask train, List<SecAggShare> shares) {
    return Task.newBuilder().setJobId("job-1").setRound(2).setDataset(DATASET)
        .setSecaggMaskedInput(SecAggMaskedInput.newBuilder().setSessionTag(TAG).addAllShares(shares)
            .setTrain(train)).build();
  }
}
