package io.factoryfl.core.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Whole rounds through the real participant and coordinator code, with dropouts at every stage. */
class SecAggRoundTest {

  private static Map<String, int[]> randomInputs(SessionInfo session, int dimension, SplittableRandom random) {
    Map<String, int[]> inputs = new HashMap<>();
    for (String id : session.cohort()) {
      inputs.put(id, random.ints(dimension).toArray());
    }
    return inputs;
  }

  private static int[] plainSum(List<String> ids, Map<String, int[]> inputs, int dimension) {
    int[] sum = new int[dimension];
    for (String id : ids) {
      int[] input = inputs.get(id);
      for (int i = 0; i < dimension; i++) {
        sum[i] += input[i];
      }
    }
    return sum;
  }

  /**
   * A valid random (k, t) for n: k from about n/3 to n-1 (even, or n even), t in the lower half of
   * the allowed range (a strict majority of k), so that the drawn dropouts leave most rounds viable.
   */
  private static SecAggParameters randomParameters(int n, SplittableRandom random) {
    int k;
    do {
      k = Math.max(2, n / 3) + random.nextInt(n - Math.max(2, n / 3));
    } while (k % 2 == 1 && n % 2 == 1);
    int t = k / 2 + 1 + random.nextInt((k - k / 2 + 1) / 2);
    return SecAggParameters.of(n, k, t, 1.0, SecAggParameters.defaultBits(n));
  }

  @Test
  void unmaskedSum_equalsPlaintextSum_acrossRandomCohortsParametersAndDropouts() {
    SplittableRandom random = new SplittableRandom(20240611);
    int completed = 0;
    int trials = 60;
    for (int trial = 0; trial < trials; trial++) {
      int n = 3 + random.nextInt(22);
      // every tenth round crosses the 64 KiB keystream chunk boundary (16,384 words)
      int dimension = trial % 10 == 0 ? 16_000 + random.nextInt(20_000) : 1 + random.nextInt(300);
      SecAggParameters parameters = randomParameters(n, random);
      SessionInfo session = Federation.session("job-" + trial, trial, n);
      NeighbourGraph graph = NeighbourGraph.forSession(session, parameters.neighbours());
      Federation federation = new Federation(session, parameters, graph, dimension);
      Map<String, int[]> inputs = randomInputs(session, dimension, random);
      int[] stops = new int[n];
      for (int i = 0; i < n; i++) {
        // a site stops before stage 1..5 with probability 3% each, else completes
        int draw = random.nextInt(100);
        stops[i] = draw < 15 ? 1 + draw / 3 : 6;
      }
      String label = "trial " + trial + " n=" + n + " k=" + parameters.neighbours() + " t="
          + parameters.threshold() + " d=" + dimension + " stops=" + Arrays.toString(stops);
      try {
        int[] sum = federation.run(inputs, stops);
        assertArrayEquals(plainSum(federation.survivors, inputs, dimension), sum, label);
        completed++;
      } catch (SecAggException e) {
        assertFalse(federation.coordinator.viable(), label + ": threw although viable: " + e.getMessage());
        assertTrue(e.getMessage().contains("threshold") || e.getMessage().contains("no participant"),
            label + ": " + e.getMessage());
      }
    }
    assertTrue(completed >= trials * 2 / 3, "only " + completed + " of " + trials + " rounds completed");
  }

  @Test
  void unmaskedSum_survivesDropoutAtEveryStage() {
    int n = 24;
    SecAggParameters parameters = SecAggParameters.of(n, 12, 7, 1.0, 20);
    for (int stage = 1; stage <= 5; stage++) {
      SessionInfo session = Federation.session("every-stage", stage, n);
      Federation federation = new Federation(session, parameters, NeighbourGraph.forSession(session, 12), 50);
      Map<String, int[]> inputs = randomInputs(session, 50, new SplittableRandom(stage));
      int[] stops = new int[n];
      Arrays.fill(stops, 6);
      stops[3] = stage;
      stops[17] = stage;
      int[] sum = federation.run(inputs, stops);
      List<String> expected = new ArrayList<>(session.cohort());
      if (stage <= 3) {
        expected.removeAll(List.of("site-3", "site-17"));
      }
      assertEquals(expected, federation.survivors, "stage " + stage);
      assertArrayEquals(plainSum(expected, inputs, 50), sum, "dropout before stage " + stage);
    }
  }

  @Test
  void classicSecAgg_completeGraph_sumsWithThirtyPercentDropout() {
    int n = 10;
    SecAggParameters parameters = SecAggParameters.of(n, n - 1, n / 2 + 1, 1.0, 20);
    SessionInfo session = Federation.session("classic", 1, n);
    Federation federation = new Federation(session, parameters, NeighbourGraph.forSession(session, n - 1), 1000);
    Map<String, int[]> inputs = randomInputs(session, 1000, new SplittableRandom(5));
    int[] stops = {6, 3, 6, 6, 3, 6, 6, 3, 6, 6};
    int[] sum = federation.run(inputs, stops);
    assertEquals(7, federation.survivors.size());
    assertArrayEquals(plainSum(federation.survivors, inputs, 1000), sum);
  }

  @Test
  void weightedMean_throughTheProtocol_matchesPlainFedAvgWithinBound() {
    int n = 16;
    int dimension = 2000;
    long maxExamples = 10_000;
    SecAggParameters parameters = SecAggParameters.of(n, null, null, 1.0, SecAggParameters.defaultBits(n));
    SessionInfo session = Federation.session("fedavg", 3, n);
    Federation federation = new Federation(session, parameters,
        NeighbourGraph.forSession(session, parameters.neighbours()), dimension + 1);
    SplittableRandom random = new SplittableRandom(99);
    Map<String, float[]> updates = new HashMap<>();
    Map<String, Long> counts = new HashMap<>();
    Map<String, int[]> encoded = new HashMap<>();
    for (String id : session.cohort()) {
      float[] update = new float[dimension];
      for (int i = 0; i < dimension; i++) {
        update[i] = (float) (random.nextDouble(-1, 1) * parameters.clip());
      }
      long count = 1 + random.nextLong(maxExamples);
      updates.put(id, update);
      counts.put(id, count);
      encoded.put(id, FixedPoint.encode(update, count, parameters, n, maxExamples, random));
    }
    int[] stops = new int[n];
    Arrays.fill(stops, 6);
    stops[2] = 3;
    stops[9] = 3;
    FixedPoint.Decoded decoded = FixedPoint.decode(federation.run(encoded, stops), parameters, n,
        federation.survivors.size(), maxExamples);

    double[] weighted = new double[dimension];
    long total = 0;
    for (String id : federation.survivors) {
      float[] update = updates.get(id);
      for (int i = 0; i < dimension; i++) {
        weighted[i] += (double) update[i] * counts.get(id);
      }
      total += counts.get(id);
    }
    assertEquals(total, decoded.totalExamples());
    double bound = FixedPoint.errorBound(parameters, federation.survivors.size(), total, maxExamples);
    float[] mean = decoded.mean();
    for (int i = 0; i < dimension; i++) {
      assertEquals(weighted[i] / total, mean[i], bound, "coordinate " + i);
    }
  }

  @Test
  void replayedMaskedInput_fromEarlierRound_doesNotUnmaskToTheSum() {
    int n = 8;
    int dimension = 64;
    SecAggParameters parameters = SecAggParameters.of(n, 4, 3, 1.0, 20);
    Map<String, int[]> inputs = randomInputs(Federation.session("replay", 1, n), dimension, new SplittableRandom(7));
    int[] all = new int[n];
    Arrays.fill(all, 6);

    SessionInfo first = Federation.session("replay", 1, n);
    Federation round1 = new Federation(first, parameters, NeighbourGraph.forSession(first, 4), dimension);
    round1.advertise(Set.of());
    round1.share(Set.of());
    List<EncryptedShare> inbox = round1.coordinator.sharesFor("site-0");
    int[] recorded = round1.participants.get("site-0").maskInput(inbox, inputs.get("site-0"));

    SessionInfo second = Federation.session("replay", 2, n);
    Federation round2 = new Federation(second, parameters, NeighbourGraph.forSession(second, 4), dimension);
    round2.advertise(Set.of());
    round2.share(Set.of());
    for (String id : second.cohort()) {
      List<EncryptedShare> shares = round2.coordinator.sharesFor(id);
      int[] masked = round2.participants.get(id).maskInput(shares, inputs.get(id));
      // a coordinator (or an attacker on its store) substitutes site-0's masked input from round 1
      round2.coordinator.acceptMaskedInput(id, id.equals("site-0") ? recorded : masked);
    }
    round2.survivors = round2.coordinator.maskedInputSenders();
    round2.dropped = round2.coordinator.dropped();
    round2.sign(Set.of());
    round2.reveal(Set.of());
    int[] sum = round2.coordinator.unmaskedSum();
    int[] expected = plainSum(second.cohort(), inputs, dimension);
    int equal = 0;
    for (int i = 0; i < dimension; i++) {
      equal += sum[i] == expected[i] ? 1 : 0;
    }
    assertTrue(equal <= 2, equal + " of " + dimension + " coordinates matched the true sum after a replay");
  }

  @Test
  void unmaskedSum_belowThreshold_abortsWithClearReason() {
    int n = 10;
    SecAggParameters parameters = SecAggParameters.of(n, 4, 3, 1.0, 20);
    SessionInfo session = Federation.session("below", 1, n);
    Federation federation = new Federation(session, parameters, NeighbourGraph.forSession(session, 4), 8);
    Map<String, int[]> inputs = randomInputs(session, 8, new SplittableRandom(3));
    federation.advertise(Set.of());
    federation.share(Set.of());
    // every neighbour but one of site-0 drops before sending its masked input
    List<Integer> gone = federation.graph.neighbours(0).subList(0, 3);
    Set<String> absent = new HashSet<>();
    gone.forEach(v -> absent.add(session.cohort().get(v)));
    federation.mask(inputs, absent);
    assertFalse(federation.coordinator.viable());
    SecAggException e = assertThrows(SecAggException.class, federation.coordinator::requireViable);
    assertTrue(e.getMessage().contains("the round cannot complete after masked input"), e.getMessage());
    assertTrue(e.getMessage().contains("below the threshold 3"), e.getMessage());
    federation.sign(Set.of());
    federation.reveal(Set.of());
    SecAggException atEnd = assertThrows(SecAggException.class, federation.coordinator::unmaskedSum);
    assertTrue(atEnd.getMessage().contains("below the threshold 3"), atEnd.getMessage());
  }

  @Test
  void requireViable_afterKeyAdvertisement_needsThresholdPlusOne() {
    int n = 6;
    SecAggParameters parameters = SecAggParameters.of(n, 5, 4, 1.0, 20);
    SessionInfo session = Federation.session("few", 1, n);
    Federation federation = new Federation(session, parameters, NeighbourGraph.forSession(session, 5), 4);
    federation.advertise(Set.of("site-0", "site-1"));
    SecAggException e = assertThrows(SecAggException.class, federation.coordinator::requireViable);
    assertEquals("the round cannot complete after key advertisement: only 4 participants advertised keys;"
        + " at least threshold + 1 = 5 are needed (job few round 1)", e.getMessage());
  }
}
