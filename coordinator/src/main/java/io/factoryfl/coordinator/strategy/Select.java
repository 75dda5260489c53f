package io.factoryfl.coordinator.strategy;

import java.util.Arrays;

/**
 * In-place selection of order statistics (Hoare's quickselect with a median-of-three pivot), so a
 * coordinate's median or trimmed range costs O(n) on average instead of a sort's O(n log n). Values
 * must not be NaN. After too many partitioning passes (inputs built to defeat the pivot) it falls
 * back to a sort, so the worst case stays O(n log n).
 */
final class Select {
  private static final int SMALL = 16;

  private Select() {}

  /**
   * Rearranges {@code a[from, to)} so that {@code a[k]} holds the value that would be there were
   * the range sorted, everything before it is {@code <=} and everything after it {@code >=}.
   */
  static void nth(float[] a, int from, int to, int k) {
    if (k < from || k >= to) {
      throw new IllegalArgumentException("k = " + k + " is outside [" + from + ", " + to + ")");
    }
    int lo = from;
    int hi = to - 1;
    int passes = 2 * (32 - Integer.numberOfLeadingZeros(to - from)) + 4;
    while (hi > lo) {
      if (hi - lo < SMALL || passes-- == 0) {
        Arrays.sort(a, lo, hi + 1);
        return;
      }
      int mid = (lo + hi) >>> 1;
      order(a, lo, mid);
      order(a, mid, hi);
      order(a, lo, mid);
      float pivot = a[mid];
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (a[i] < pivot) {
          i++;
        }
        while (a[j] > pivot) {
          j--;
        }
        if (i <= j) {
          float swap = a[i];
          a[i++] = a[j];
          a[j--] = swap;
        }
      }
      // Now a[lo..j] <= pivot, a[i..hi] >= pivot, and everything strictly between equals it.
      if (k <= j) {
        hi = j;
      } else if (k >= i) {
        lo = i;
      } else {
        return;
      }
    }
  }

  private static void order(float[] a, int x, int y) {
    if (a[y] < a[x]) {
      float swap = a[x];
      a[x] = a[y];
      a[y] = swap;
    }
  }
}
