package io.factoryfl.core.aggregate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WeightedSumAccumulatorTest {

  /** The documented rounding error of one fixed-point term, in units of value * weight. */
  private static final double TERM_ERROR = 0x1p-33;

  private record Update(float[] values, long weight) {}

  @ParameterizedTest(name = "n={0}, d={1}")
  @CsvSource({
      "1, 1", "1, 257", "2, 3", "3, 100", "7, 1000", "16, 33", "64, 500", "200, 17"})
  void weightedMean_matchesExactReferenceWithinDocumentedError(int n, int d) {
    SplittableRandom random = new SplittableRandom(31L * n + d);
    List<Update> updates = randomUpdates(random, n, d);
    WeightedSumAccumulator accumulator = new WeightedSumAccumulator(d);
    for (Update update : updates) {
      accumulator.add(update.values(), update.weight());
    }

    float[] mean = accumulator.weightedMean();

    long totalWeight = updates.stream().mapToLong(Update::weight).sum();
    assertEquals(totalWeight, accumulator.totalWeight());
    assertEquals(n, accumulator.contributions());
    for (int i = 0; i < d; i++) {
      double exact = exactMean(updates, i).doubleValue();
      // n terms each off by at most 2^-33, divided by the total weight, then one rounding to float
      // (half an ulp) and two roundings in double that are far below it.
      double tolerance = n * TERM_ERROR / totalWeight
          + 0.5 * Math.ulp((float) Math.abs(exact))
          + Math.abs(exact) * 0x1p-50;
      assertTrue(Math.abs(mean[i] - exact) <= tolerance,
          "parameter " + i + ": got " + mean[i] + ", exact " + exact + ", allowed error " + tolerance);
    }
  }

  @Test
  void weightedMean_largeWeightsWithSmallValuesStayAccurate() {
    // Weights near the 2^29 limit: value * weight must still be exact for the result to be.
    SplittableRandom random = new SplittableRandom(5);
    List<Update> updates = new ArrayList<>();
    for (int k = 0; k < 3; k++) {
      float[] values = new float[50];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) (random.nextDouble(-0.6, 0.6));
      }
      updates.add(new Update(values, WeightedSumAccumulator.MAX_WEIGHT - random.nextInt(1000)));
    }
    WeightedSumAccumulator accumulator = new WeightedSumAccumulator(50);
    updates.forEach(u -> accumulator.add(u.values(), u.weight()));

    float[] mean = accumulator.weightedMean();

    for (int i = 0; i < 50; i++) {
      float correctlyRounded = exactMean(updates, i).floatValue();
      assertTrue(Math.abs(mean[i] - correctlyRounded) <= Math.ulp(correctlyRounded),
          "parameter " + i + ": got " + mean[i] + ", exact " + correctlyRounded);
    }
  }

  @Test
  void weightedMean_ofOnesAndThreesWeightedOneToThree_isExactlyTwoPointFive() {
    WeightedSumAccumulator accumulator = new WeightedSumAccumulator(4);
    accumulator.add(new float[] {1, 1, 1, 1}, 1);
    accumulator.add(new float[] {3, 3, 3, 3}, 3);

    assertArrayEquals(new float[] {2.5f, 2.5f, 2.5f, 2.5f}, accumulator.weightedMean());
    assertEquals(4, accumulator.totalWeight());
    assertEquals(2, accumulator.contributions());
  }

  @Test
  void weightedMean_ofASingleUpdate_returnsItUnchanged() {
    float[] values = {0.1f, -3.75f, 1e-3f, 12345.678f, 0f};
    WeightedSumAccumulator accumulator = new WeightedSumAccumulator(values.length);
    accumulator.add(values, 1234);

    assertArrayEquals(values, accumulator.weightedMean());
  }

  @Test
  void weightedMean_isBitIdenticalWhateverTheArrivalOrder() {
    SplittableRandom random = new SplittableRandom(11);
    List<Update> updates = randomUpdates(random, 40, 300);
    int[] reference = bits(meanOf(updates));

    Random shuffler = new Random(99);
    for (int trial = 0; trial < 20; trial++) {
      List<Update> shuffled = new ArrayList<>(updates);
      Collections.shuffle(shuffled, shuffler);
      assertArrayEquals(reference, bits(meanOf(shuffled)), "order " + trial);
    }
    List<Update> reversed = new ArrayList<>(updates);
    Collections.reverse(reversed);
    assertArrayEquals(reference, bits(meanOf(reversed)), "reversed order");
  }

  @Test
  void weightedMean_isBitIdenticalWhateverTheOrderEvenWhenLargeTermsCancel() {
    // Large terms that cancel leave a tiny mean: a floating-point running sum would keep a
    // different rounding residue for each order, visible in the float result; integers keep none.
    SplittableRandom random = new SplittableRandom(13);
    int d = 200;
    List<Update> updates = new ArrayList<>();
    for (int k = 0; k < 10; k++) {
      float[] small = new float[d];
      for (int i = 0; i < d; i++) {
        small[i] = (float) (random.nextGaussian() * 1e-3);
      }
      updates.add(new Update(small, 1 + random.nextInt(3)));
    }
    for (int k = 0; k < 3; k++) {
      float[] big = new float[d];
      float[] negated = new float[d];
      for (int i = 0; i < d; i++) {
        big[i] = (float) random.nextDouble(1e6, 3e6);
        negated[i] = -big[i];
      }
      updates.add(new Update(big, 100));
      updates.add(new Update(negated, 100));
    }
    int[] reference = bits(meanOf(updates));

    Random shuffler = new Random(7);
    for (int trial = 0; trial < 20; trial++) {
      List<Update> shuffled = new ArrayList<>(updates);
      Collections.shuffle(shuffled, shuffler);
      assertArrayEquals(reference, bits(meanOf(shuffled)), "order " + trial);
    }
  }

  @Test
  void weightedMean_isBitIdenticalAcrossConcurrentArrival() throws InterruptedException {
    SplittableRandom random = new SplittableRandom(12);
    List<Update> updates = randomUpdates(random, 32, 200);
    int[] reference = bits(meanOf(updates));

    WeightedSumAccumulator accumulator = new WeightedSumAccumulator(200);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int first = t;
      threads.add(new Thread(() -> {
        for (int k = first; k < updates.size(); k += 4) {
          accumulator.add(updates.get(k).values(), updates.get(k).weight());
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread thread : threads) {
      thread.join(10_000);
    }

    assertEquals(32, accumulator.contributions());
    assertArrayEquals(reference, bits(accumulator.weightedMean()));
  }

  @Test
  void add_refusesLengthMismatchNamingBothLengthsAndAddsNothing() {
    WeightedSumAccumulator accumulator = seeded();
    Snapshot before = snapshot(accumulator);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> accumulator.add(new float[] {1, 2, 3, 4}, 1));

    assertEquals("update has 4 parameters, the model has 3", e.getMessage());
    assertUnchanged(accumulator, before);
  }

  @Test
  void add_refusesNaNNamingTheIndexAndAddsNothing() {
    WeightedSumAccumulator accumulator = seeded();
    Snapshot before = snapshot(accumulator);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> accumulator.add(new float[] {5, 6, Float.NaN}, 2));

    assertEquals("parameter 2 is NaN; updates must be finite", e.getMessage());
    assertUnchanged(accumulator, before);
  }

  @Test
  void add_refusesInfinityOfEitherSignAndAddsNothing() {
    WeightedSumAccumulator accumulator = seeded();
    Snapshot before = snapshot(accumulator);

    IllegalArgumentException positive = assertThrows(IllegalArgumentException.class,
        () -> accumulator.add(new float[] {5, Float.POSITIVE_INFINITY, 7}, 2));
    IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
        () -> accumulator.add(new float[] {Float.NEGATIVE_INFINITY, 6, 7}, 2));

    assertEquals("parameter 1 is Infinity; updates must be finite", positive.getMessage());
    assertEquals("parameter 0 is -Infinity; updates must be finite", negative.getMessage());
    assertUnchanged(accumulator, before);
  }

  @ParameterizedTest
  @CsvSource({"0", "-1", "536870913", "9223372036854775807"})
  void add_refusesWeightOutsideOneToTwoToThe29(long weight) {
    WeightedSumAccumulator accumulator = seeded();
    Snapshot before = snapshot(accumulator);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> accumulator.add(new float[] {1, 1, 1}, weight));

    assertEquals("example count must be between 1 and 536870912, got " + weight, e.getMessage());
    assertUnchanged(accumulator, before);
  }

  @Test
  void add_acceptsTheLargestAllowedWeight() {
    WeightedSumAccumulator accumulator = new WeightedSumAccumulator(1);
    accumulator.add(new float[] {1.5f}, WeightedSumAccumulator.MAX_WEIGHT);

    assertArrayEquals(new float[] {1.5f}, accumulator.weightedMean());
    assertEquals(WeightedSumAccumulator.MAX_WEIGHT, accumulator.totalWeight());
  }

  @Test
  void add_refusesTermReachingTwoToThe30AndAcceptsTheOneJustBelow() {
    WeightedSumAccumulator accumulator = seeded();
    Snapshot before = snapshot(accumulator);

    // 2 * 2^29 = 2^30 is the first magnitude out of range
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> accumulator.add(new float[] {0, -2f, 0}, WeightedSumAccumulator.MAX_WEIGHT));

    assertEquals("parameter 1 = -2.0 times example count 536870912 is beyond the exact aggregation"
        + " range (|value * count| < 2^30)", e.getMessage());
    assertUnchanged(accumulator, before);

    WeightedSumAccumulator edge = new WeightedSumAccumulator(1);
    float justBelow = Math.nextDown(2f);
    edge.add(new float[] {justBelow}, WeightedSumAccumulator.MAX_WEIGHT);
    assertArrayEquals(new float[] {justBelow}, edge.weightedMean());
  }

  @Test
  void add_refusesHugeFiniteValueEvenWithWeightOne() {
    WeightedSumAccumulator accumulator = seeded();
    Snapshot before = snapshot(accumulator);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> accumulator.add(new float[] {1, 2, 3e38f}, 1));

    assertTrue(e.getMessage().startsWith("parameter 2 = 3.0E38 times example count 1"), e.getMessage());
    assertUnchanged(accumulator, before);
  }

  @Test
  void add_rollsBackEarlierParametersWhenTheRunningSumOverflowsMidway() {
    // Each term 1e9 is in range, but three of them exceed the 2^31 range of the running sum;
    // the third update overflows at index 2, after indices 0 and 1 were already added.
    WeightedSumAccumulator accumulator = new WeightedSumAccumulator(4);
    accumulator.add(new float[] {1, 2, 1e9f, 3}, 1);
    accumulator.add(new float[] {1, 2, 1e9f, 3}, 1);
    Snapshot before = snapshot(accumulator);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> accumulator.add(new float[] {500, 600, 1e9f, 700}, 1));

    assertEquals("parameter 2: the running sum of the round left the exact aggregation range;"
        + " the update was not added", e.getMessage());
    assertUnchanged(accumulator, before);
    assertArrayEquals(new float[] {1, 2, 1e9f, 3}, accumulator.weightedMean());

    // The accumulator is still exact afterwards: indices 0 and 1 carry no trace of 500 and 600.
    accumulator.add(new float[] {4, 8, -1e9f, 6}, 1);
    float[] after = accumulator.weightedMean();
    assertArrayEquals(new float[] {2, 4, 1e9f / 3, 4}, after);
    assertEquals(3, accumulator.totalWeight());
    assertEquals(3, accumulator.contributions());
  }

  @Test
  void add_rollsBackOnNegativeOverflowToo() {
    WeightedSumAccumulator accumulator = new WeightedSumAccumulator(3);
    accumulator.add(new float[] {0.25f, -1e9f, 0}, 1);
    accumulator.add(new float[] {0.25f, -1e9f, 0}, 1);
    Snapshot before = snapshot(accumulator);

    assertThrows(IllegalArgumentException.class,
        () -> accumulator.add(new float[] {7, -1e9f, 7}, 1));

    assertUnchanged(accumulator, before);
  }

  @Test
  void weightedMean_withNothingAdded_throwsSayingThereIsNothingToAverage() {
    WeightedSumAccumulator accumulator = new WeightedSumAccumulator(3);

    IllegalStateException e = assertThrows(IllegalStateException.class, accumulator::weightedMean);

    assertEquals("no update has been added; there is nothing to average", e.getMessage());
  }

  @Test
  void weightedMean_afterOnlyRefusedUpdates_stillThrowsInsteadOfReturningZeros() {
    WeightedSumAccumulator accumulator = new WeightedSumAccumulator(2);
    assertThrows(IllegalArgumentException.class, () -> accumulator.add(new float[] {Float.NaN, 1}, 1));
    assertThrows(IllegalArgumentException.class, () -> accumulator.add(new float[] {1, 1}, 0));

    assertThrows(IllegalStateException.class, accumulator::weightedMean);
    assertEquals(0, accumulator.contributions());
  }

  @Test
  void constructor_refusesEmptyDimension() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new WeightedSumAccumulator(0));
    assertEquals("dimension must be at least 1, got 0", e.getMessage());
  }

  // ----------------------------------------------------------------------------------------

  /** An accumulator holding {1,2,3} x 1 and {4,5,6} x 3. */
  private static WeightedSumAccumulator seeded() {
    WeightedSumAccumulator accumulator = new WeightedSumAccumulator(3);
    accumulator.add(new float[] {1, 2, 3}, 1);
    accumulator.add(new float[] {4, 5, 6}, 3);
    return accumulator;
  }

  private record Snapshot(int[] meanBits, long totalWeight, int contributions) {}

  private static Snapshot snapshot(WeightedSumAccumulator accumulator) {
    return new Snapshot(bits(accumulator.weightedMean()), accumulator.totalWeight(),
        accumulator.contributions());
  }

  private static void assertUnchanged(WeightedSumAccumulator accumulator, Snapshot before) {
    assertArrayEquals(before.meanBits(), bits(accumulator.weightedMean()), "the mean changed");
    assertEquals(before.totalWeight(), accumulator.totalWeight(), "the total weight changed");
    assertEquals(before.contributions(), accumulator.contributions(), "the count changed");
  }

  private static List<Update> randomUpdates(SplittableRandom random, int n, int d) {
    double[] scales = {1e-4, 0.01, 1, 30};
    List<Update> updates = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      long weight = random.nextInt(5) == 0 ? 1 + random.nextInt(3) : 1 + random.nextInt(100_000);
      float[] values = new float[d];
      for (int i = 0; i < d; i++) {
        values[i] = (float) (random.nextGaussian() * scales[random.nextInt(scales.length)]);
      }
      updates.add(new Update(values, weight));
    }
    return updates;
  }

  private static BigDecimal exactMean(List<Update> updates, int i) {
    BigDecimal sum = BigDecimal.ZERO;
    long weight = 0;
    for (Update update : updates) {
      sum = sum.add(new BigDecimal(update.values()[i]).multiply(BigDecimal.valueOf(update.weight())));
      weight += update.weight();
    }
    return sum.divide(BigDecimal.valueOf(weight), MathContext.DECIMAL128);
  }

  private static float[] meanOf(List<Update> updates) {
    WeightedSumAccumulator accumulator = new WeightedSumAccumulator(updates.get(0).values().length);
    for (Update update : updates) {
      accumulator.add(update.values(), update.weight());
    }
    return accumulator.weightedMean();
  }

  private static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }

  @Test
  void drainMean_handsOutTheWeightedMeanOnceAndSpendsTheAccumulator() {
    int dimension = 70_000; // three blocks of sums
    float[] a = new float[dimension];
    float[] b = new float[dimension];
    for (int i = 0; i < dimension; i++) {
      a[i] = i % 97 * 0.5f;
      b[i] = -i % 13 * 0.25f;
    }
    WeightedSumAccumulator whole = new WeightedSumAccumulator(dimension);
    WeightedSumAccumulator drained = new WeightedSumAccumulator(dimension);
    for (WeightedSumAccumulator accumulator : List.of(whole, drained)) {
      accumulator.add(a, 3);
      accumulator.add(io.factoryfl.core.params.WordSource.ofFloats(b), 5);
    }

    io.factoryfl.core.params.WordSource mean = drained.drainMean();

    assertArrayEquals(whole.weightedMean(), mean.toFloats());
    assertThrows(IllegalStateException.class, mean::toFloats, "readable once");
    assertThrows(IllegalStateException.class, () -> drained.add(a, 1), "the accumulator is spent");
  }
}
