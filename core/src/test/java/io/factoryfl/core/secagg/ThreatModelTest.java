package io.factoryfl.core.secagg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ThreatModelTest {

  @Test
  void defaults_matchTheTableInTheDocs() {
    // docs/secure-aggregation.md, "Parameters": n, gamma, delta -> k, t, tolerated colluders
    int[][] rows = {
        {5, 10, 30, 4, 3, 1}, {10, 10, 30, 9, 6, 2}, {20, 10, 30, 19, 11, 2}, {50, 10, 30, 49, 28, 6},
        {100, 10, 30, 99, 55, 10}, {200, 10, 30, 174, 98, 21}, {500, 10, 30, 294, 173, 51},
        {100, 10, 10, 34, 23, 11}, {500, 10, 10, 100, 76, 51}, {100, 0, 30, 84, 43, 1},
        {500, 0, 10, 20, 11, 1}, {500, 20, 10, 172, 137, 101}};
    for (int[] row : rows) {
      ThreatModel model = new ThreatModel(row[1] / 100.0, row[2] / 100.0);
      String label = "n=" + row[0] + " " + model;
      assertEquals(row[3], model.neighbours(row[0]), label + " k");
      assertEquals(row[4], model.threshold(row[0]), label + " t");
      assertEquals(row[5], ThreatModel.toleratedColluders(row[3], row[4]), label + " tolerated");
    }
  }

  @Test
  void minThreshold_keepsEveryColluderOfTheCohortBelowTheSplitBound() {
    ThreatModel model = new ThreatModel(0.2, 0.1);
    for (int n = 3; n <= 300; n++) {
      int colluders = model.colluders(n);
      for (int k = 2; k < n; k++) {
        int t = model.minThreshold(n, k);
        if (t <= k) {
          // two disjoint honest groups of t - c cannot both fit among the k - c honest neighbours
          int c = Math.min(colluders, k);
          assertTrue(2 * (t - c) > k - c, "n=" + n + " k=" + k + " t=" + t + " c=" + c);
          assertTrue(2 * t > k && t >= 2);
        }
      }
    }
  }

  @Test
  void abortBound_isTheBinomialUnionBound() {
    // n * P[Bin(9, 0.3) > 3] = 10 * 0.270341... (exact)
    assertEquals(2.70341, ThreatModel.binomialTailAbove(9, 0.3, 3) * 10, 1e-4);
    assertEquals(0.0, ThreatModel.binomialTailAbove(9, 0.3, 9));
    assertEquals(1.0, ThreatModel.binomialTailAbove(9, 0.3, -1));
    // P[Bin(99, 0.3) > 44] = 8.388e-4 (scipy.stats.binom.sf(44, 99, 0.3)); classic SecAgg: no union
    assertEquals(8.388e-4, ThreatModel.binomialTailAbove(99, 0.3, 44), 0.001e-4);
    assertEquals(8.388e-4, ThreatModel.DEFAULT.abortBound(100, 99, 55), 0.001e-4);
    // P[Bin(294, 0.3) > 121] * 500 = 0.0094 at the derived n = 500 parameters
    assertEquals(0.0094, ThreatModel.DEFAULT.abortBound(500, 294, 173), 0.0001);
    // lower tail through the complement: P[Bin(100, 0.5) > 40] = 0.971556 (scipy)
    assertEquals(0.971556, ThreatModel.binomialTailAbove(100, 0.5, 40), 1e-6);
  }

  @Test
  void fractionsOfHalfOrMore_areRefusedNamingTheField() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ThreatModel(0.5, 0.1));
    assertEquals("max_corruption must be from 0 to below 0.5 (a fraction of the cohort), got 0.5", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new ThreatModel(0.1, -0.1));
    assertEquals("max_dropout must be from 0 to below 0.5 (a fraction of the cohort), got -0.1", e.getMessage());
  }
}
