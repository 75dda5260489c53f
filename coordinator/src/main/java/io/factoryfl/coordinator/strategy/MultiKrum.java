package io.factoryfl.coordinator.strategy;

import java.util.Arrays;

/**
 * Multi-Krum (Blanchard et al. 2017, "Machine learning with adversaries"; El Mhamdi et al. 2018):
 * each update is scored by the sum of its squared distances to its n - f - 2 nearest other updates,
 * and the m best-scored updates are averaged, unweighted (m = 1 is Krum; the default m = n - f).
 * An update far from the honest cluster, such as one scaled by 1000, scores badly and is left out.
 * The guarantee needs n > 2f + 2 (checked at submit against participants.min).
 *
 * <p>Cost: the n(n-1)/2 pairwise distances are computed once, O(n^2 d), a block of coordinates at a
 * time so the rows' block stays in cache; each block's partial sums are float (four accumulators),
 * added into double, which ranks updates exactly enough (relative error around 1e-5) and lets the
 * hot loop run at float speed. Extra memory: the n x n distance matrix and a d-double sum.
 */
final class MultiKrum implements RobustRule {
  private static final int BLOCK = 1024;

  private final int byzantine;
  private final Integer select;

  /**
   * @param byzantine f, the Byzantine updates tolerated
   * @param select m, how many best-scored updates to average, or null for n - f
   */
  MultiKrum(int byzantine, Integer select) {
    if (byzantine < 0 || (select != null && select < 1)) {
      throw new IllegalArgumentException("byzantine must be >= 0 and select >= 1, got "
          + byzantine + " and " + select);
    }
    this.byzantine = byzantine;
    this.select = select;
  }

  @Override
  public float[] combine(float[][] rows) {
    int[] chosen = selected(rows);
    int d = rows[0].length;
    double[] sum = new double[d];
    for (int index : chosen) {
      float[] row = rows[index];
      for (int i = 0; i < d; i++) {
        sum[i] += row[i];
      }
    }
    float[] out = new float[d];
    for (int i = 0; i < d; i++) {
      out[i] = (float) (sum[i] / chosen.length);
    }
    return out;
  }

  /** The indices of the m best-scored rows, best first (ties go to the lower index). */
  int[] selected(float[][] rows) {
    int n = rows.length;
    if (n < 2 * byzantine + 3) {
      throw new IllegalStateException("multi-Krum with byzantine = " + byzantine + " needs at least "
          + (2 * byzantine + 3) + " updates, got " + n);
    }
    int m = select == null ? n - byzantine : select;
    if (m > n - byzantine) {
      throw new IllegalStateException("multi-Krum can average at most n - f = " + (n - byzantine)
          + " updates, asked for " + m);
    }
    double[] scores = scores(distances(rows), n - byzantine - 2);
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> scores[a] != scores[b] ? Double.compare(scores[a], scores[b])
        : Integer.compare(a, b));
    int[] chosen = new int[m];
    for (int i = 0; i < m; i++) {
      chosen[i] = order[i];
    }
    return chosen;
  }

  /** Squared Euclidean distances between all pairs, each computed once. */
  static double[][] distances(float[][] rows) {
    int n = rows.length;
    int d = rows[0].length;
    double[][] distances = new double[n][n];
    for (int start = 0; start < d; start += BLOCK) {
      int end = Math.min(d, start + BLOCK);
      for (int i = 0; i < n; i++) {
        float[] a = rows[i];
        for (int j = i + 1; j < n; j++) {
          distances[i][j] += blockDistance(a, rows[j], start, end);
        }
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < i; j++) {
        distances[i][j] = distances[j][i];
      }
    }
    return distances;
  }

  private static double blockDistance(float[] a, float[] b, int start, int end) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int k = start;
    for (; k + 3 < end; k += 4) {
      float d0 = a[k] - b[k];
      float d1 = a[k + 1] - b[k + 1];
      float d2 = a[k + 2] - b[k + 2];
      float d3 = a[k + 3] - b[k + 3];
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    double sum = (double) s0 + s1 + s2 + s3;
    for (; k < end; k++) {
      double diff = (double) a[k] - b[k];
      sum += diff * diff;
    }
    return sum;
  }

  /** Each row's score: the sum of its {@code neighbours} smallest distances to other rows. */
  static double[] scores(double[][] distances, int neighbours) {
    int n = distances.length;
    double[] scores = new double[n];
    double[] others = new double[n - 1];
    for (int i = 0; i < n; i++) {
      int o = 0;
      for (int j = 0; j < n; j++) {
        if (j != i) {
          others[o++] = distances[i][j];
        }
      }
      Arrays.sort(others);
      double score = 0;
      for (int k = 0; k < neighbours; k++) {
        score += others[k];
      }
      scores[i] = score;
    }
    return scores;
  }

  @Override
  public String key() {
    return "multi_krum";
  }
}
