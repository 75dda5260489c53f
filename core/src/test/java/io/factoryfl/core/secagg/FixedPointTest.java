package io.factoryfl.core.secagg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FixedPointTest {
  private static final SecAggParameters P = SecAggParameters.of(50, null, null, 2.0, 20);

  @Test
  void sumOfEncodings_decodesToWeightedMeanWithinTheBound_acrossRandomCohorts() {
    SplittableRandom random = new SplittableRandom(11);
    for (int trial = 0; trial < 200; trial++) {
      int n = 3 + random.nextInt(48);
      int bits = 2 + random.nextInt(SecAggParameters.defaultBits(n) - 1);
      long maxExamples = 1 + random.nextLong(Integer.MAX_VALUE / n);
      SecAggParameters p = SecAggParameters.of(n, null, null, 0.1 + random.nextDouble() * 5, bits);
      int d = 1 + random.nextInt(50);
      int[] sum = new int[d + 1];
      double[] weighted = new double[d];
      long total = 0;
      for (int u = 0; u < n; u++) {
        long w = 1 + random.nextLong(maxExamples);
        float[] update = new float[d];
        for (int i = 0; i < d; i++) {
          update[i] = (float) random.nextDouble(-1.2 * p.clip(), 1.2 * p.clip());
          weighted[i] += Math.max(-p.clip(), Math.min(p.clip(), update[i])) * w;
        }
        int[] encoded = FixedPoint.encode(update, w, p, n, maxExamples, random);
        for (int i = 0; i <= d; i++) {
          sum[i] += encoded[i];
        }
        total += w;
      }
      FixedPoint.Decoded decoded = FixedPoint.decode(sum, p, n, n, maxExamples);
      assertEquals(total, decoded.totalExamples());
      double bound = FixedPoint.errorBound(p, n, total, maxExamples);
      for (int i = 0; i < d; i++) {
        assertEquals(weighted[i] / total, decoded.mean()[i], bound, "trial " + trial + " coordinate " + i);
      }
    }
  }

  @Test
  void extremeValues_atFullCohortAndCap_doNotWrap() {
    int n = 2047;
    long cap = Integer.MAX_VALUE / n;
    SecAggParameters p = SecAggParameters.of(n, null, null, 2.0, SecAggParameters.defaultBits(n));
    int[] sum = new int[3];
    for (int u = 0; u < n; u++) {
      int[] e = FixedPoint.encode(new float[] {1e9f, -1e9f}, cap, p, n, cap, new SplittableRandom(u));
      for (int i = 0; i < 3; i++) {
        sum[i] += e[i];
      }
    }
    FixedPoint.Decoded decoded = FixedPoint.decode(sum, p, n, n, cap);
    assertEquals(2.0f, decoded.mean()[0], 1e-5);
    assertEquals(-2.0f, decoded.mean()[1], 1e-5);
    assertEquals(n * cap, decoded.totalExamples());
  }

  @Test
  void encode_lastCoordinateIsTheCount() {
    int[] e = FixedPoint.encode(new float[] {0.5f}, 7, P, 50, 10, new SplittableRandom(1));
    assertEquals(2, e.length);
    assertEquals(7, e[1]);
  }

  @Test
  void encode_refusesNonFiniteValuesAndCountsAboveTheCap() {
    IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
        () -> FixedPoint.encode(new float[] {0, Float.NaN}, 1, P, 50, 10, new SplittableRandom(1)));
    assertEquals("update value 1 is NaN; updates must be finite", nan.getMessage());
    IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
        () -> FixedPoint.encode(new float[] {0}, 11, P, 50, 10, new SplittableRandom(1)));
    assertEquals("numExamples 11 must be from 1 to maxExamples 10; cap the count, or raise maxExamples for the job",
        count.getMessage());
    IllegalArgumentException cap = assertThrows(IllegalArgumentException.class,
        () -> FixedPoint.encode(new float[] {0}, 1, P, 50, Integer.MAX_VALUE, new SplittableRandom(1)));
    assertEquals("maxExamples 2147483647 must be from 1 to 42949672 so that the total count of a cohort of 50"
        + " fits the sum", cap.getMessage());
  }

  @Test
  void decode_refusesACountNoCohortCouldHaveProduced() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FixedPoint.decode(new int[] {5, 0}, P, 50, 3, 10));
    assertTrue(e.getMessage().startsWith("the count coordinate of the sum is 0"), e.getMessage());
  }

  @Test
  void decode_refusesACountBelowOnePerContributorOrAboveTheCapForEach() {
    IllegalArgumentException low = assertThrows(IllegalArgumentException.class,
        () -> FixedPoint.decode(new int[] {0, 2}, P, 50, 3, 10));
    assertEquals("the count coordinate of the sum is 2, not a total of 3 counts from 1 to 10 (3 to 30); at least"
        + " one contributor sent an out-of-range count, so the sum is refused", low.getMessage());
    assertThrows(IllegalArgumentException.class, () -> FixedPoint.decode(new int[] {0, 31}, P, 50, 3, 10));
    assertThrows(IllegalArgumentException.class, () -> FixedPoint.decode(new int[] {0, -7}, P, 50, 3, 10));
  }

  /** The extreme honest sums (every site at the clip, any count) pass; one level more does not. */
  @Test
  void decode_acceptsEveryHonestExtremeAndRefusesOneLevelBeyondTheBound() {
    SplittableRandom random = new SplittableRandom(5);
    for (int trial = 0; trial < 300; trial++) {
      int n = 3 + random.nextInt(30); // a secure-aggregation cohort has at least 3 sites
      int m = 1 + random.nextInt(n);
      long cap = 1 + random.nextLong(Integer.MAX_VALUE / n);
      SecAggParameters p = SecAggParameters.of(n, null, null, 0.5 + random.nextDouble() * 4,
          2 + random.nextInt(SecAggParameters.defaultBits(n) - 1));
      int[] sum = new int[3];
      long total = 0;
      for (int u = 0; u < m; u++) {
        long w = random.nextBoolean() ? cap : 1 + random.nextLong(cap);
        int[] e = FixedPoint.encode(new float[] {1e9f, -1e9f}, w, p, n, cap, random);
        for (int i = 0; i < 3; i++) {
          sum[i] += e[i];
        }
        total += w;
      }
      FixedPoint.Decoded decoded = FixedPoint.decode(sum, p, n, m, cap);
      double meanBound = FixedPoint.meanBound(p, m, total, cap);
      assertTrue(Math.abs(decoded.mean()[0]) <= meanBound && Math.abs(decoded.mean()[1]) <= meanBound,
          "trial " + trial);
      long bound = FixedPoint.sumBound(p, m, total, cap);
      int[] beyond = {(int) bound + 1, 0, sum[2]};
      assertThrows(IllegalArgumentException.class, () -> FixedPoint.decode(beyond, p, n, m, cap), "trial " + trial);
    }
  }

  /** M2: one site adds 2^31 to its words; the wrapped sum is refused, naming the coordinate. */
  @Test
  void decode_refusesASumWithOneInputShiftedBy2To31() {
    int n = 10;
    long cap = 1000;
    SecAggParameters p = SecAggParameters.of(n, null, null, 4.0, SecAggParameters.defaultBits(n));
    SplittableRandom random = new SplittableRandom(9);
    int[] sum = new int[3];
    for (int u = 0; u < n; u++) {
      int[] e = FixedPoint.encode(new float[] {0.01f, -0.02f}, 500, p, n, cap, random);
      if (u == 3) {
        e[1] += Integer.MIN_VALUE;
      }
      for (int i = 0; i < 3; i++) {
        sum[i] += e[i];
      }
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FixedPoint.decode(sum, p, n, n, cap));
    assertTrue(e.getMessage().startsWith("coordinate 1 of the sum is "), e.getMessage());
    assertTrue(e.getMessage().contains("outside the encoding range"), e.getMessage());
  }

  /**
   * M2 within range: a site that subtracts from its count shrinks N and scales the mean up, but a
   * mean that decodes stays within clip + the error term.
   */
  @Test
  void decode_ofAShrunkCount_staysWithinTheMeanBoundOrIsRefused() {
    int n = 5;
    long cap = 100_000;
    SecAggParameters p = SecAggParameters.of(n, null, null, 4.0, SecAggParameters.defaultBits(n));
    SplittableRandom random = new SplittableRandom(2);
    int[] sum = new int[2];
    for (int u = 0; u < n; u++) {
      int[] e = FixedPoint.encode(new float[] {0.5f}, 1600, p, n, cap, random);
      sum[0] += e[0];
      sum[1] += e[1];
    }
    for (int shrink : new int[] {0, 4000, 7000, 7990, 7995, 8000}) {
      int[] attacked = {sum[0], sum[1] - shrink};
      long total = attacked[1];
      try {
        float mean = FixedPoint.decode(attacked, p, n, n, cap).mean()[0];
        assertTrue(Math.abs(mean) <= FixedPoint.meanBound(p, n, total, cap), "shrink " + shrink + ": " + mean);
        assertTrue(Math.abs(mean) <= p.clip() + FixedPoint.errorBound(p, n, total, cap) * 2, "shrink " + shrink);
      } catch (IllegalArgumentException refused) {
        assertTrue(shrink >= 4000, "an honest sum was refused: " + refused.getMessage());
      }
    }
  }

  @Test
  void stochasticRounding_isUnbiased() {
    SecAggParameters p = SecAggParameters.of(3, null, null, 1.0, 4);
    SplittableRandom random = new SplittableRandom(3);
    double value = 0.3 / p.levels();
    long sum = 0;
    int draws = 100_000;
    for (int i = 0; i < draws; i++) {
      sum += FixedPoint.encode(new float[] {(float) value}, 1, p, 3, 1, random)[0];
    }
    assertEquals(0.3, (double) sum / draws, 0.01);
  }
}
