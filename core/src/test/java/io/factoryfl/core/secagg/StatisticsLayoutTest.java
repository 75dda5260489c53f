package io.factoryfl.core.secagg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.FeatureStats;
import io.factoryfl.proto.v1.DatasetBinding;
import io.factoryfl.proto.v1.TrainTask;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StatisticsLayoutTest {
  private static final List<String> TWO = List.of("speed", "torque");

  /** Sums encodings as the unmasked secure sum does: word by word, mod 2^32. */
  private static int[] add(int[] sum, int[] input) {
    for (int i = 0; i < sum.length; i++) {
      sum[i] += input[i];
    }
    return sum;
  }

  @Test
  void aSumOfEncodings_decodesToTheMergedStatisticsOfTheSites() {
    SplittableRandom random = new SplittableRandom(41);
    for (int trial = 0; trial < 100; trial++) {
      int n = 1 + random.nextInt(60);
      long maxExamples = 1 + random.nextLong(100_000);
      int d = random.nextInt(6);
      StatisticsLayout layout = new StatisticsLayout(d);
      List<String> columns = java.util.stream.IntStream.range(0, d).mapToObj(i -> "c" + i).toList();
      int[] sum = new int[layout.words()];
      FeatureStats exact = FeatureStats.empty(d);
      for (int site = 0; site < n; site++) {
        double[] rowsSum = new double[d];
        double[] squares = new double[d];
        long count = 1 + random.nextLong(2 * maxExamples);
        for (int f = 0; f < d; f++) {
          double scale = Math.pow(10, random.nextInt(-3, 7));
          double mean = (random.nextDouble() * 2 - 1) * scale;
          rowsSum[f] = mean * count;
          squares[f] = (mean * mean + scale * random.nextDouble()) * count;
        }
        double[] present = new double[d];
        for (int f = 0; f < d; f++) {
          present[f] = random.nextInt(4) == 0 ? random.nextLong(count + 1) : count;
        }
        FeatureStats stats = new FeatureStats(count, rowsSum, squares, present).capped(maxExamples);
        exact = exact.merge(stats);
        add(sum, layout.encode(stats, columns, n, maxExamples));
      }
      FeatureStats decoded = layout.decode(sum, n, n, maxExamples);
      assertEquals(exact.count(), decoded.count(), "the count is exact");
      for (int f = 0; f < d; f++) {
        // each site rounds each value to 2^-24; the recombined integer converts to double once
        double slack = n * 0x1p-24;
        assertEquals(exact.sum()[f], decoded.sum()[f], slack + 1e-13 * Math.abs(exact.sum()[f]), "sum " + f);
        assertEquals(exact.sumOfSquares()[f], decoded.sumOfSquares()[f],
            slack + 1e-13 * exact.sumOfSquares()[f], "squares " + f);
        assertEquals(exact.present()[f], decoded.present()[f], slack + 1e-13 * exact.present()[f], "present " + f);
      }
    }
  }

  @Test
  void aFullCohortAtTheValueBound_neitherWrapsALimbNorTheValue() {
    int n = StatisticsLayout.MAX_COHORT;
    StatisticsLayout layout = new StatisticsLayout(1);
    double big = StatisticsLayout.MAX_VALUE - 0x1p60;
    int[] sum = new int[layout.words()];
    for (int site = 0; site < n; site++) {
      add(sum, layout.encode(new FeatureStats(1, new double[] {-big}, new double[] {big}), List.of("x"), n, 1));
    }
    FeatureStats decoded = layout.decode(sum, n, n, 1);
    assertEquals(n, decoded.count());
    assertEquals(-big * n, decoded.sum()[0], 0.0, "negative values recombine exactly");
    assertEquals(big * n, decoded.sumOfSquares()[0], 0.0);
  }

  @Test
  void aValueBeyondTheRange_isRefusedNamingTheColumnButNotTheValue() {
    StatisticsLayout layout = new StatisticsLayout(2);
    FeatureStats huge = new FeatureStats(3, new double[] {1, 2}, new double[] {5, 1.2345e30});
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> layout.encode(huge, TWO, 5, 10));
    assertTrue(e.getMessage().contains("sum of squares of column 'torque'"), e.getMessage());
    assertFalse(e.getMessage().contains("1.2345"), "the value stays at the site: " + e.getMessage());
    FeatureStats nan = new FeatureStats(3, new double[] {Double.NaN, 2}, new double[] {5, 6});
    assertThrows(ArithmeticException.class, () -> layout.encode(nan, TWO, 5, 10));
  }

  @Test
  void encode_refusesACountOutsideOneToW_andACohortWhoseLimbsCouldWrap() {
    StatisticsLayout layout = new StatisticsLayout(2);
    FeatureStats stats = new FeatureStats(11, new double[] {1, 2}, new double[] {5, 6});
    assertThrows(IllegalArgumentException.class, () -> layout.encode(stats, TWO, 5, 10));
    assertThrows(IllegalArgumentException.class,
        () -> layout.encode(stats.capped(10), TWO, StatisticsLayout.MAX_COHORT + 1, 10));
    assertThrows(IllegalArgumentException.class, () -> StatisticsLayout.requireCohort(1000, 3_000_000));
  }

  @Test
  void decode_refusesSumsNoHonestCohortCanProduce() {
    StatisticsLayout layout = new StatisticsLayout(1);
    int[] one = layout.encode(new FeatureStats(4, new double[] {2}, new double[] {3}), List.of("x"), 3, 10);
    int[] sum = add(add(new int[one.length], one), one);
    assertEquals(8, layout.decode(sum, 2, 3, 10).count());

    int[] negativeCount = sum.clone();
    negativeCount[negativeCount.length - 1] = -5;
    assertThrows(IllegalArgumentException.class, () -> layout.decode(negativeCount, 2, 3, 10));
    int[] tooMany = sum.clone();
    tooMany[tooMany.length - 1] = 21;
    assertThrows(IllegalArgumentException.class, () -> layout.decode(tooMany, 2, 3, 10));

    int[] fatLimb = sum.clone();
    fatLimb[0] += 1 << 21; // above what two 20-bit limbs add up to
    IllegalArgumentException limb = assertThrows(IllegalArgumentException.class,
        () -> layout.decode(fatLimb, 2, 3, 10));
    assertTrue(limb.getMessage().contains("word 0"), limb.getMessage());

    int[] beyond = sum.clone();
    // the top limb (bits 100..119) at 2^18: a value of about 2^118 in fixed point, beyond the
    // 2 * 2^107 two sites below 2^83 can add up to, though every limb is in range
    beyond[StatisticsLayout.LIMBS - 1] = 1 << 18;
    assertThrows(IllegalArgumentException.class, () -> layout.decode(beyond, 2, 3, 10));
    assertThrows(IllegalArgumentException.class, () -> layout.decode(sum, 4, 3, 10), "more contributors than the cohort");
    assertThrows(IllegalArgumentException.class, () -> layout.decode(new int[3], 2, 3, 10), "wrong length");
  }

  @Test
  void subjects_arePerJobAndNeverAModelHash() {
    assertEquals("feature-statistics/job-1", StatisticsLayout.subject("job-1"));
    assertTrue(StatisticsLayout.isSubject(StatisticsLayout.subject("j")));
    assertFalse(StatisticsLayout.isSubject("ab".repeat(32)));
  }

  @Test
  void theStatisticsBinding_coversJobCapAndDataset_andIsNeverATrainingBinding() {
    DatasetBinding data = DatasetBinding.newBuilder().setName("ai4i").addNumericFeatures("speed")
        .setLabelColumn("failure").addLabelClasses("0").addLabelClasses("1").build();
    TrainingBinding binding = TrainingBinding.statistics("job-1", data, 1000);
    assertEquals(StatisticsLayout.subject("job-1"), binding.modelHash());
    assertEquals(binding, TrainingBinding.statistics("job-1", data, 1000));
    assertNotEquals(binding, TrainingBinding.statistics("job-2", data, 1000));
    assertNotEquals(binding, TrainingBinding.statistics("job-1", data, 1001));
    assertNotEquals(binding, TrainingBinding.statistics("job-1", data.toBuilder().addNumericFeatures("torque").build(),
        1000));
    TrainTask asTraining = TrainTask.newBuilder().setModelHash(StatisticsLayout.subject("job-1")).build();
    assertNotEquals(binding, TrainingBinding.of(asTraining, data, 1000));
  }
}
