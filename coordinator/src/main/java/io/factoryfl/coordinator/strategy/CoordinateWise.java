package io.factoryfl.coordinator.strategy;

/**
 * A rule applied to each coordinate's column of n values independently (median, trimmed mean).
 * The n rows are transposed a block of coordinates at a time into a scratch buffer of
 * {@code BLOCK * n} floats, so each column is contiguous for selection while the rows are read
 * sequentially; extra memory is that buffer plus the d-float result.
 */
abstract class CoordinateWise implements RobustRule {
  private static final int BLOCK = 256;

  @Override
  public final float[] combine(float[][] rows) {
    int n = rows.length;
    if (n == 0) {
      throw new IllegalArgumentException("no update to combine");
    }
    int d = rows[0].length;
    float[] out = new float[d];
    float[] columns = new float[BLOCK * n];
    for (int start = 0; start < d; start += BLOCK) {
      int length = Math.min(BLOCK, d - start);
      for (int j = 0; j < n; j++) {
        float[] row = rows[j];
        for (int k = 0; k < length; k++) {
          columns[k * n + j] = row[start + k];
        }
      }
      for (int k = 0; k < length; k++) {
        out[start + k] = column(columns, k * n, n);
      }
    }
    return out;
  }

  /** Combines {@code values[from, from + n)}, which it may reorder. */
  abstract float column(float[] values, int from, int n);
}
