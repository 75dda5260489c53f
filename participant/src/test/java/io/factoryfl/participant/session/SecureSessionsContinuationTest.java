package io.factoryfl.participant.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.secagg.ContributionRule;
import io.factoryfl.core.secagg.SecAggException;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.proto.v1.DatasetBinding;
import io.factoryfl.proto.v1.Normalization;
import io.factoryfl.proto.v1.SecAggAdvertiseKeys;
import io.factoryfl.proto.v1.SecAggConsistencyCheck;
import io.factoryfl.proto.v1.SecAggMaskedInput;
import io.factoryfl.proto.v1.SecAggPublicKeys;
import io.factoryfl.proto.v1.SecAggRevealList;
import io.factoryfl.proto.v1.SecAggShare;
import io.factoryfl.proto.v1.SecAggShareKeys;
import io.factoryfl.proto.v1.SecAggSignature;
import io.factoryfl.proto.v1.SecAggUnmask;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TrainTask;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site keeps its session across a coordinator restart and answers a repeated task of a stage it
 * already answered with its earlier answer (the same masked input, signature and shares), while
 * anything that contradicts an earlier answer is refused as before. Real identities from a real
 * CA, real contribution logs on disk; the relaying is done here, as a coordinator would.
 */
class SecureSessionsContinuationTest {
  private static final List<String> COHORT = List.of("plant-a", "plant-b", "plant-c", "plant-d", "plant-e");
  private static final String TAG = "job-1/r2/a1";
  private static final TrainTask TRAIN = TrainTask.newBuilder().setModelHash("base-1").setLocalEpochs(1)
      .setBatchSize(16).setLearningRate(0.01).setSeed(5).setUpdateClipNorm(0)
      .setNormalization(Normalization.newBuilder().addMean(0.5).addStd(2)).build();
  private static final DatasetBinding DATASET = DatasetBinding.newBuilder().setName("press")
      .addNumericFeatures("torque").setLabelColumn("failure").addLabelClasses("0").addLabelClasses("1").build();

  /** A clock the test moves, for the session expiry. */
  private static final class MovingClock extends Clock {
    private Instant now = Instant.now();

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @TempDir Path dir;
  private final MovingClock clock = new MovingClock();
  private final Map<String, SecureSessions> sites = new LinkedHashMap<>();
  private final Map<String, List<SecAggShare>> inbox = new LinkedHashMap<>();

  @BeforeEach
  void enrolAndShareKeys() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("federation", Clock.systemUTC(), Duration.ofDays(2),
        new SecureRandom());
    byte[] noneRevoked = io.factoryfl.core.security.SignedRevocationList.sign(ca,
        io.factoryfl.core.security.RevocationList.empty()).encoded();
    for (String name : COHORT) {
      PeerCheck peers = new PeerCheck(ca.certificate(), PeerPins.open(dir.resolve(name + ".pins.json"),
          Clock.systemUTC()), Clock.systemUTC(), Duration.ofHours(24));
      peers.relayed(noneRevoked);
      sites.put(name, new SecureSessions(
          SigningIdentity.of(ca.issue(name, Role.PARTICIPANT, Duration.ofDays(1), List.of())), ca.certificate(),
          clock, log(name)).checkingPeersWith(peers));
    }
    List<SecAggPublicKeys> keys = new ArrayList<>();
    sites.values().forEach(site -> keys.add(site.advertise(advertise(TAG))));
    Task shareKeys = Task.newBuilder().setJobId("job-1").setRound(2).setSecaggShareKeys(
        SecAggShareKeys.newBuilder().setSessionTag(TAG).addAllKeys(keys)).build();
    sites.values().forEach(site -> site.shareKeys(shareKeys).getSharesList()
        .forEach(share -> inbox.computeIfAbsent(share.getTo(), to -> new ArrayList<>()).add(share)));
  }

  private ContributionLog log(String name) {
    return ContributionLog.open(dir.resolve(name + ".secagg-contributions.log"), Clock.systemUTC());
  }

  private long recordedLines(String name) throws Exception {
    return Files.readString(dir.resolve(name + ".secagg-contributions.log"), StandardCharsets.UTF_8).lines().count();
  }

  /** Stage 3 at {@code name} as TaskRunner runs it the first time. */
  private int[] maskedInput(String name) {
    SecureSessions site = sites.get(name);
    Task task = masked(TRAIN, inbox.get(name));
    assertTrue(site.sentBefore(task).isEmpty(), "nothing sent yet");
    site.requireAdvertised(task);
    int[] encoded = site.encode(TAG, new float[] {0.1f, -0.2f, 0.3f}, 0.5, 40);
    return site.mask(TAG, inbox.get(name), encoded);
  }

  @Test
  void aRepeatedStage3Task_getsTheIdenticalMaskedInput_andNoSecondRecord() throws Exception {
    int[] first = maskedInput("plant-a");

    Optional<int[]> again = sites.get("plant-a").sentBefore(masked(TRAIN.toBuilder().setSeed(77).build(),
        inbox.get("plant-a")));

    assertArrayEquals(first, again.orElseThrow(), "the same words, not a new masking");
    assertArrayEquals(first, sites.get("plant-a").sentBefore(masked(TRAIN, inbox.get("plant-a"))).orElseThrow());
    assertEquals(1, recordedLines("plant-a"), "re-sending the same input is not a second contribution");
  }

  @Test
  void aRepeatedStage3Task_relayingOtherShares_isRefusedAndAbortsTheSession() {
    maskedInput("plant-a");
    List<SecAggShare> fewer = inbox.get("plant-a").subList(1, inbox.get("plant-a").size());

    SecAggException e = assertThrows(SecAggException.class,
        () -> sites.get("plant-a").sentBefore(masked(TRAIN, fewer)));

    assertTrue(e.getMessage().contains("relays other shares"), e.getMessage());
    SecAggException later = assertThrows(SecAggException.class,
        () -> sites.get("plant-a").sentBefore(masked(TRAIN, inbox.get("plant-a"))));
    assertTrue(later.getMessage().contains("no secure-aggregation session"), later.getMessage());
  }

  @Test
  void aRepeatedStage3Task_trainingDifferently_isRefused() {
    maskedInput("plant-a");

    SecAggException e = assertThrows(SecAggException.class, () -> sites.get("plant-a").sentBefore(
        masked(TRAIN.toBuilder().setLearningRate(1e-30).build(), inbox.get("plant-a"))));

    assertTrue(e.getMessage().contains("train.learning_rate"), e.getMessage());
  }

  @Test
  void aNewSessionOfTheRound_isStillRefused_underTheSameTagOrAnother() {
    maskedInput("plant-a");
    assertThrows(SecAggException.class, () -> sites.get("plant-a").sentBefore(
        masked(TRAIN, inbox.get("plant-a").subList(1, inbox.get("plant-a").size()))));

    for (String tag : List.of(TAG, "job-1/r2/a2")) {
      SecAggException e = assertThrows(SecAggException.class, () -> sites.get("plant-a").advertise(advertise(tag)));
      assertTrue(e.getMessage().contains(ContributionRule.REFUSAL), e.getMessage());
    }
  }

  @Test
  void aMaskedInputTheRecordDoesNotHoldAsThisSessionsOwn_isNotSentAgain() throws Exception {
    maskedInput("plant-a");
    Path file = dir.resolve("plant-a.secagg-contributions.log");
    Files.writeString(file, Files.readString(file).replace("\"session\":\"" + TAG + "\"",
        "\"session\":\"job-1/r2/a7\""));

    SecAggException e = assertThrows(SecAggException.class,
        () -> sites.get("plant-a").sentBefore(masked(TRAIN, inbox.get("plant-a"))));

    assertTrue(e.getMessage().contains(ContributionRule.REFUSAL) && e.getMessage().contains("job-1/r2/a7"),
        e.getMessage());
  }

  @Test
  void theSameSurvivorList_isSignedAgain_andTheSameUnmaskRequestRevealsTheSameShares() {
    COHORT.forEach(this::maskedInput);
    List<String> survivors = List.of("plant-a", "plant-b", "plant-c", "plant-d");
    Map<String, SecAggSignature> signatures = new LinkedHashMap<>();
    for (String name : survivors) {
      signatures.put(name, sites.get(name).signSurvivors(check(survivors)));
    }
    SecureSessions site = sites.get("plant-a");
    assertEquals(signatures.get("plant-a"), site.signSurvivors(check(survivors)));
    Task unmask = unmask(survivors, List.of("plant-e"), signatures.values());

    SecAggRevealList first = site.unmask(unmask);
    SecAggRevealList again = site.unmask(unmask);

    assertEquals(first, again);
    assertTrue(first.getSharesCount() > 0);
  }

  @Test
  void aSecondSurvivorList_isRefused_atTheCheckAndAtUnmask() {
    COHORT.forEach(this::maskedInput);
    List<String> survivors = List.of("plant-a", "plant-b", "plant-c", "plant-d");
    Map<String, SecAggSignature> signatures = new LinkedHashMap<>();
    for (String name : survivors) {
      signatures.put(name, sites.get(name).signSurvivors(check(survivors)));
    }
    sites.get("plant-b").unmask(unmask(survivors, List.of("plant-e"), signatures.values()));

    SecAggException atUnmask = assertThrows(SecAggException.class, () -> sites.get("plant-b").unmask(
        unmask(COHORT, List.of(), signatures.values())));
    assertTrue(atUnmask.getMessage().contains("its masking-key share was already revealed"), atUnmask.getMessage());
    SecAggException atCheck = assertThrows(SecAggException.class,
        () -> sites.get("plant-c").signSurvivors(check(COHORT)));
    assertTrue(atCheck.getMessage().contains("second, different survivor list"), atCheck.getMessage());
  }

  @Test
  void aSessionUnusedForTheExpiry_isForgotten() {
    int[] first = maskedInput("plant-a");
    clock.now = clock.now.plus(SecureSessions.EXPIRY).minusSeconds(1);
    assertArrayEquals(first, sites.get("plant-a").sentBefore(masked(TRAIN, inbox.get("plant-a"))).orElseThrow());
    clock.now = clock.now.plus(SecureSessions.EXPIRY).plusSeconds(1);

    SecAggException e = assertThrows(SecAggException.class,
        () -> sites.get("plant-a").sentBefore(masked(TRAIN, inbox.get("plant-a"))));

    assertTrue(e.getMessage().contains("expired"), e.getMessage());
  }

  private static Task advertise(String tag) {
    return Task.newBuilder().setJobId("job-1").setRound(2).setDataset(DATASET)
        .setSecaggAdvertise(SecAggAdvertiseKeys.newBuilder().setSessionTag(tag).addAllCohort(COHORT)
            .setNeighbours(4).setThreshold(3).setClip(4).setBits(16).setModelHash("base-1")
            .setMaxExamples(1000).setTrain(TRAIN)).build();
  }

  private static Task masked(TrainTask train, List<SecAggShare> shares) {
    return Task.newBuilder().setJobId("job-1").setRound(2).setDataset(DATASET)
        .setSecaggMaskedInput(SecAggMaskedInput.newBuilder().setSessionTag(TAG).addAllShares(shares)
            .setTrain(train)).build();
  }

  private static Task check(List<String> survivors) {
    return Task.newBuilder().setJobId("job-1").setRound(2).setSecaggConsistency(
        SecAggConsistencyCheck.newBuilder().setSessionTag(TAG).addAllSurvivors(survivors)).build();
  }

  private static Task unmask(List<String> survivors, List<String> dropped,
      java.util.Collection<SecAggSignature> signatures) {
    return Task.newBuilder().setJobId("job-1").setRound(2).setSecaggUnmask(SecAggUnmask.newBuilder()
        .setSessionTag(TAG).addAllSurvivors(survivors).addAllDropped(dropped).addAllSurvivorSignatures(signatures))
        .build();
  }
}
