package io.factoryfl.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FeatureStatsTest {

  @Test
  void toNormalization_givesMeanAndPopulationStd() {
    FeatureStats stats = FeatureStats.of(2,
        new double[] {1, 10}, new double[] {2, 10}, new double[] {3, 10}, new double[] {4, 10});
    Normalization normalization = stats.toNormalization();
    assertArrayEquals(new double[] {2.5, 10}, normalization.mean(), 1e-12);
    // population std of 1..4 is sqrt(1.25); the constant column gets std 1
    assertArrayEquals(new double[] {Math.sqrt(1.25), 1.0}, normalization.std(), 1e-12);
  }

  @Test
  void merge_equalsStatsOfTheUnion() {
    SplittableRandom random = new SplittableRandom(7);
    double[][] rows = new double[1000][3];
    for (double[] row : rows) {
      row[0] = 300 + random.nextGaussian() * 2;
      row[1] = random.nextDouble() * 3000;
      row[2] = random.nextInt(5);
    }
    double[][] first = java.util.Arrays.copyOfRange(rows, 0, 313);
    double[][] second = java.util.Arrays.copyOfRange(rows, 313, 1000);

    FeatureStats merged = FeatureStats.empty(3)
        .merge(FeatureStats.of(3, first))
        .merge(FeatureStats.of(3, second));
    FeatureStats union = FeatureStats.of(3, rows);

    assertEquals(1000, merged.count());
    assertArrayEquals(union.sum(), merged.sum(), 1e-6);
    assertArrayEquals(union.sumOfSquares(), merged.sumOfSquares(), 1e-3);
    assertArrayEquals(union.toNormalization().mean(), merged.toNormalization().mean(), 1e-9);
    assertArrayEquals(union.toNormalization().std(), merged.toNormalization().std(), 1e-6);
  }

  @Test
  void toNormalization_treatsLargeConstantFeatureAsConstant() {
    double[][] rows = new double[777][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = new double[] {298.1};
    }
    assertEquals(1.0, FeatureStats.of(1, rows).toNormalization().std()[0]);
  }

  @Test
  void merge_rejectsDifferentWidthsNamingBoth() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FeatureStats.empty(5).merge(FeatureStats.empty(3)));
    assertTrue(e.getMessage().contains("5") && e.getMessage().contains("3"), e.getMessage());
  }

  @Test
  void toNormalization_ofNoRowsFailsClearly() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> FeatureStats.empty(2).toNormalization());
    assertTrue(e.getMessage().contains("0 rows"), e.getMessage());
  }

  @Test
  void accessors_returnCopies() {
    double[] sum = {1, 2};
    FeatureStats stats = new FeatureStats(1, sum, new double[] {1, 4});
    sum[0] = 99;
    stats.sum()[1] = 99;
    assertArrayEquals(new double[] {1, 2}, stats.sum());
  }

  @Test
  void capped_keepsMeanAndStdButWeighsAsTheCap() {
    FeatureStats big = FeatureStats.of(1, new double[] {1}, new double[] {2}, new double[] {3},
        new double[] {6});

    FeatureStats capped = big.capped(2);

    assertEquals(2, capped.count());
    assertArrayEquals(big.toNormalization().mean(), capped.toNormalization().mean(), 1e-12);
    assertArrayEquals(big.toNormalization().std(), capped.toNormalization().std(), 1e-12);
    assertEquals(big, big.capped(4), "stats within the cap stay as they are");
  }

  @Test
  void isFinite_falseForNaNOrInfinity() {
    assertTrue(FeatureStats.of(1, new double[] {1}).isFinite());
    assertEquals(false, new FeatureStats(1, new double[] {Double.NaN}, new double[] {1}).isFinite());
    assertEquals(false,
        new FeatureStats(1, new double[] {1}, new double[] {Double.POSITIVE_INFINITY}).isFinite());
  }

  @Test
  void featuresMissingInSomeRows_areStandardisedOverThePresentValues_andMergeAndCapByWeight() {
    // site A: feature 0 present in 2 of 4 rows (values 1, 3), feature 1 in all (2, 2, 2, 2)
    FeatureStats a = new FeatureStats(4, new double[] {4, 8}, new double[] {10, 16}, new double[] {2, 4});
    // site B: feature 0 in 1 of 2 rows (value 5)
    FeatureStats b = new FeatureStats(2, new double[] {5, 4}, new double[] {25, 8}, new double[] {1, 2});
    FeatureStats union = a.merge(b);
    assertEquals(3, union.present()[0], 0);
    Normalization n = union.toNormalization();
    assertEquals(3.0, n.mean()[0], 1e-12, "mean of 1, 3, 5");
    assertEquals(Math.sqrt(8.0 / 3), n.std()[0], 1e-12);
    assertTrue(union.hasMissing());
    assertEquals(1.0, a.capped(2).present()[0], 1e-12, "capping to half the rows halves the present weight");
    assertEquals(2.0, a.capped(2).toNormalization().mean()[0], 1e-12, "and keeps the mean");
    assertThrows(IllegalStateException.class,
        () -> new FeatureStats(2, new double[] {0}, new double[] {0}, new double[] {0}).toNormalization());
    assertThrows(IllegalArgumentException.class,
        () -> new FeatureStats(2, new double[] {0}, new double[] {0}, new double[] {3}));
  }
}
