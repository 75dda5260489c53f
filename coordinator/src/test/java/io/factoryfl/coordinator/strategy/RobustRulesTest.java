package io.factoryfl.coordinator.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.strategy.Rounds.Update;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The maths of each robust rule, against hand-computed values and a sort-based reference. */
class RobustRulesTest {
  private static float[][] columns(float[]... perCoordinate) {
    int n = perCoordinate[0].length;
    float[][] rows = new float[n][perCoordinate.length];
    for (int c = 0; c < perCoordinate.length; c++) {
      for (int j = 0; j < n; j++) {
        rows[j][c] = perCoordinate[c][j];
      }
    }
    return rows;
  }

  @Test
  void median_ofAnOddCount_isTheMiddleValue() {
    float[] median = new CoordinateMedian().combine(columns(new float[] {5, -1, 3},
        new float[] {1e6f, 0, 2}));
    assertArrayEquals(new float[] {3, 2}, median, 0f);
  }

  @Test
  void median_ofAnEvenCount_isTheMeanOfTheTwoMiddleValues() {
    float[] median = new CoordinateMedian().combine(columns(new float[] {4, 1, 3, 2},
        new float[] {-1e9f, 7, 7, 1e9f}));
    assertArrayEquals(new float[] {2.5f, 7}, median, 0f);
  }

  @Test
  void trimmedMean_dropsTheTSmallestAndLargestAndAveragesTheRest() {
    float[] trimmed = new TrimmedMean(n -> 1).combine(columns(new float[] {100, 1, 2, 3, -50}));
    assertArrayEquals(new float[] {2}, trimmed, 0f);
    float[] two = new TrimmedMean(n -> 2).combine(columns(new float[] {9, 1, 5, 6, 0, 8, 7}));
    assertArrayEquals(new float[] {6}, two, 0f, "mean of 5, 6, 7");
  }

  @Test
  void coordinateRules_matchASortOfEachColumn_acrossBlocksDuplicatesAndOrders() {
    SplittableRandom random = new SplittableRandom(17);
    for (int trial = 0; trial < 60; trial++) {
      int n = 1 + random.nextInt(60);
      int d = 1 + random.nextInt(700);
      float[][] rows = new float[n][d];
      for (float[] row : rows) {
        for (int i = 0; i < d; i++) {
          // few distinct values in some trials: duplicates must not confuse the selection
          row[i] = trial % 3 == 0 ? random.nextInt(3) : (float) random.nextGaussian();
        }
      }
      if (trial % 5 == 1) {
        Arrays.sort(rows, Arrays::compare);
      }
      int t = (n - 1) / 3;
      float[] median = new CoordinateMedian().combine(rows);
      float[] trimmed = new TrimmedMean(count -> t).combine(rows);
      for (int i = 0; i < d; i++) {
        float[] column = new float[n];
        for (int j = 0; j < n; j++) {
          column[j] = rows[j][i];
        }
        Arrays.sort(column);
        float expectedMedian = n % 2 == 1 ? column[n / 2]
            : (float) (((double) column[n / 2 - 1] + column[n / 2]) / 2);
        double sum = 0;
        for (int j = t; j < n - t; j++) {
          sum += column[j];
        }
        assertEquals(expectedMedian, median[i], 0f, "median, n=" + n + " coordinate " + i);
        assertEquals((float) (sum / (n - 2 * t)), trimmed[i], 1e-6f, "trimmed, n=" + n);
      }
    }
  }

  @Test
  void select_findsEveryOrderStatisticOfAnAdversariallyOrderedColumn() {
    float[] sorted = new float[300];
    for (int i = 0; i < sorted.length; i++) {
      sorted[i] = i % 7 == 0 ? 0 : i;
    }
    float[] reference = sorted.clone();
    Arrays.sort(reference);
    for (int k = 0; k < sorted.length; k += 13) {
      for (float[] input : new float[][] {sorted.clone(), reversed(sorted)}) {
        Select.nth(input, 0, input.length, k);
        assertEquals(reference[k], input[k], "k = " + k);
        for (int i = 0; i < k; i++) {
          assertTrue(input[i] <= input[k]);
        }
        for (int i = k + 1; i < input.length; i++) {
          assertTrue(input[i] >= input[k]);
        }
      }
    }
  }

  private static float[] reversed(float[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[values.length - 1 - i];
    }
    return out;
  }

  @Test
  void multiKrum_leavesOutKnownOutliersAndAveragesTheRest() {
    float[][] rows = {
        {0.0f, 0.0f}, {0.1f, 0.0f}, {0.0f, 0.1f}, {-0.1f, 0.0f}, {0.0f, -0.1f},
        {50f, 50f}, {-40f, 10f}};
    int[] chosen = new MultiKrum(2, null).selected(rows);
    int[] sortedChoice = chosen.clone();
    Arrays.sort(sortedChoice);
    assertArrayEquals(new int[] {0, 1, 2, 3, 4}, sortedChoice, "the n - f = 5 inliers");
    assertEquals(0, new MultiKrum(2, 1).selected(rows)[0], "Krum picks the most central update");
    assertArrayEquals(new float[] {0, 0}, new MultiKrum(2, null).combine(rows), 1e-7f);
  }

  @Test
  void multiKrum_scoresAreSumsOfTheNearestSquaredDistances() {
    float[][] rows = {{0}, {1}, {3}, {10}, {11}};
    double[][] distances = MultiKrum.distances(rows);
    assertEquals(9.0, distances[0][2]);
    assertEquals(9.0, distances[2][0]);
    double[] scores = MultiKrum.scores(distances, 5 - 1 - 2);
    assertEquals(1 + 9, scores[0], 0.0, "nearest two of row 0: 1 and 9");
    assertEquals(1 + 4, scores[1], 0.0);
    assertEquals(1 + 64, scores[4], 0.0, "nearest two of row 4 (11): 10 and 3");
  }

  @Test
  void multiKrum_withTooFewUpdatesForItsByzantineCount_doesNotCommitAndSaysWhy() {
    Strategy krum = Rounds.strategy(Rounds.spec(5, 9, "{\"rule\": \"multi_krum\", \"byzantine\": 1}"), 1);
    assertThrows(IllegalStateException.class, () -> new MultiKrum(1, null).selected(new float[4][1]));
    FitOutcome outcome = Rounds.round(krum, new float[1], List.of(new Update(new float[] {1}, 1),
        new Update(new float[] {2}, 1), new Update(new float[] {3}, 1), new Update(new float[] {4}, 1)));
    assertFalse(outcome.isCommitted());
    assertEquals("4 of the cohort returned a usable update, 5 needed (participants.min); 0 failed",
        outcome.rejection());
  }

  @Test
  void robustRounds_giveBitIdenticalModelsWhateverOrderTheUpdatesArrive() {
    SplittableRandom random = new SplittableRandom(5);
    List<Update> updates = new ArrayList<>();
    for (int j = 0; j < 9; j++) {
      float[] row = new float[600];
      for (int i = 0; i < row.length; i++) {
        row[i] = (float) random.nextGaussian();
      }
      updates.add(new Update(row, 10 + j));
    }
    for (String robust : new String[] {"{\"rule\": \"median\"}",
        "{\"rule\": \"trimmed_mean\", \"trim_fraction\": 0.3}", "{\"rule\": \"multi_krum\", \"byzantine\": 2}",
        "{\"rule\": \"median\", \"clip_norm\": 3}"}) {
      Strategy strategy = Rounds.strategy(Rounds.spec(7, 9, robust), 600);
      float[] first = Rounds.parameters(strategy, new float[600], updates);
      List<Update> shuffled = new ArrayList<>(updates);
      Collections.shuffle(shuffled, new java.util.Random(1));
      assertArrayEquals(first, Rounds.parameters(strategy, new float[600], shuffled), 0f, robust);
    }
  }

  @Test
  void heldUpdates_refuseWhatCannotBeAggregatedAndKeepNothingOfIt() {
    HeldUpdates held = new HeldUpdates(2, 2);
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> held.accept(new float[] {1, Float.NaN}, 1)).getMessage().contains("must be finite"));
    assertThrows(IllegalArgumentException.class, () -> held.accept(new float[3], 1));
    assertThrows(IllegalArgumentException.class, () -> held.accept(new float[2], 0));
    float[] kept = {1, 2};
    held.accept(kept, 1);
    kept[0] = 99;
    assertArrayEquals(new float[] {1, 2}, held.canonicalRows()[0], 0f, "a copy is held");
    held.accept(new float[2], 1);
    assertEquals("the round already holds 2 updates (participants.max); no more can be aggregated",
        assertThrows(IllegalArgumentException.class, () -> held.accept(new float[2], 1)).getMessage());
    assertEquals(2, held.count());
  }
}
