package io.factoryfl.participant.data;

import io.factoryfl.core.data.SequenceSpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns encoded rows into the windows of {@code dataset.sequence} ({@link SequenceSpec}): example
 * {@code i} becomes the last {@code window} rows of row {@code i}'s group up to and including row
 * {@code i}, ordered by the order column, padded at the group's start with its first row, and
 * flattened feature-major ({@code f * window + t}; {@code t = window - 1} is row {@code i}). The
 * label of a window is its last row's.
 *
 * <p>Two ways in, giving the same windows in the same (file) order for a file whose rows of each
 * group appear in increasing order: {@link #of} windows a whole table in memory, in any row order,
 * as a site does with its split; a {@link Stream} windows a file chunk by chunk (keeping the last
 * rows of each group between chunks), as {@code predict} and {@code evaluate} read a file larger
 * than memory, and so needs each group's rows in increasing order.
 */
public final class SequenceWindows {
  private SequenceWindows() {}

  /**
   * The windows of every row of {@code table}, in row order; with {@code lastOnly}, only of each
   * group's last row (highest order value), in row order.
   *
   * @param sequence the sequence with this site's column names
   * @param rows {@code table}'s rows, encoded ({@link TabularEncoder})
   * @throws SiteDataException if the group or order column is missing, an order value is not a
   *     finite number, or two rows of a group have the same order value
   */
  public static EncodedData of(CsvTable table, EncodedData rows, SequenceSpec sequence, boolean lastOnly) {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(rows, "rows");
    if (rows.size() != table.rows()) {
      throw new IllegalArgumentException(rows.size() + " encoded rows for a table of " + table.rows());
    }
    int groupColumn = column(table, sequence.group(), "group");
    int orderColumn = column(table, sequence.order(), "order");
    String[] groups = new String[table.rows()];
    double[] orders = new double[table.rows()];
    Integer[] sorted = new Integer[table.rows()];
    for (int row = 0; row < table.rows(); row++) {
      groups[row] = table.value(row, groupColumn).trim();
      orders[row] = order(table, row, orderColumn, sequence.order());
      sorted[row] = row;
    }
    Arrays.sort(sorted, Comparator.<Integer, String>comparing(r -> groups[r]).thenComparingDouble(r -> orders[r]));
    float[][] windows = new float[table.rows()][];
    boolean[] last = new boolean[table.rows()];
    Window window = null;
    for (int k = 0; k < sorted.length; k++) {
      int row = sorted[k];
      boolean sameGroup = k > 0 && groups[sorted[k - 1]].equals(groups[row]);
      if (sameGroup && orders[sorted[k - 1]] == orders[row]) {
        throw duplicate(table, row, sequence, table.value(row, orderColumn).trim());
      }
      if (!sameGroup) {
        window = new Window(sequence.window());
      }
      windows[row] = window.add(rows.row(row));
      last[row] = k == sorted.length - 1 || !groups[sorted[k + 1]].equals(groups[row]);
    }
    int[] selected = java.util.stream.IntStream.range(0, table.rows()).filter(r -> !lastOnly || last[r]).toArray();
    float[][] features = new float[selected.length][];
    double[] targets = new double[selected.length];
    for (int i = 0; i < selected.length; i++) {
      features[i] = windows[selected[i]];
      targets[i] = rows.target(selected[i]);
    }
    return new EncodedData(features, targets, rows.classes(), rows.scale());
  }

  /**
   * Windows a file chunk by chunk; each group's rows must come in increasing order of the order
   * column (sort the file by group and order otherwise).
   */
  public static final class Stream {
    private final SequenceSpec sequence;
    private final boolean lastOnly;
    private final Map<String, Window> groups = new HashMap<>();
    private final Map<String, Double> lastOrder = new HashMap<>();
    /** With {@code lastOnly}: each group's latest window, its label and its position in the file. */
    private final Map<String, Pending> pending = new HashMap<>();
    private long position;
    private int classes = -1;
    private io.factoryfl.core.task.LabelScale scale;

    private record Pending(long position, float[] window, double target) {}

    /**
     * @param sequence the sequence with this site's column names
     * @param lastOnly keep only each group's last window, handed out by {@link #lastWindows} at the
     *     end of the file
     */
    public Stream(SequenceSpec sequence, boolean lastOnly) {
      this.sequence = Objects.requireNonNull(sequence, "sequence");
      this.lastOnly = lastOnly;
    }

    /**
     * The windows of the chunk's rows, in row order (none with {@code lastOnly}).
     *
     * @throws SiteDataException as {@link SequenceWindows#of}, or if a group's rows go back in
     *     order
     */
    public EncodedData next(CsvTable chunk, EncodedData rows) {
      int groupColumn = column(chunk, sequence.group(), "group");
      int orderColumn = column(chunk, sequence.order(), "order");
      classes = rows.classes();
      scale = rows.scale();
      List<float[]> windows = new ArrayList<>();
      List<Double> targets = new ArrayList<>();
      for (int row = 0; row < chunk.rows(); row++) {
        String group = chunk.value(row, groupColumn).trim();
        double order = order(chunk, row, orderColumn, sequence.order());
        Double previous = lastOrder.put(group, order);
        if (previous != null && previous == order) {
          throw duplicate(chunk, row, sequence, chunk.value(row, orderColumn).trim());
        }
        if (previous != null && previous > order) {
          throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset.sequence.order: the rows of a"
              + " group go back in order", chunk.source() + " line " + chunk.lineNumber(row) + ": group '" + group
              + "' has " + sequence.order() + " " + chunk.value(row, orderColumn).trim() + " after " + previous
              + "; a file is windowed as it streams, so sort it by " + sequence.group() + " and then "
              + sequence.order());
        }
        float[] window = groups.computeIfAbsent(group, g -> new Window(sequence.window())).add(rows.row(row));
        if (lastOnly) {
          pending.put(group, new Pending(position++, window, rows.target(row)));
        } else {
          windows.add(window);
          targets.add(rows.target(row));
        }
      }
      return new EncodedData(windows.toArray(new float[0][]),
          targets.stream().mapToDouble(Double::doubleValue).toArray(), classes, scale);
    }

    /** With {@code lastOnly}, after the last chunk: each group's last window, in file order. */
    public EncodedData lastWindows() {
      List<Pending> last = new ArrayList<>(pending.values());
      last.sort(Comparator.comparingLong(Pending::position));
      return new EncodedData(last.stream().map(Pending::window).toArray(float[][]::new),
          last.stream().mapToDouble(Pending::target).toArray(), Math.max(classes, 0),
          scale == null ? io.factoryfl.core.task.LabelScale.IDENTITY : scale);
    }
  }

  /** The last rows of one group, and the flat window ending at the latest. */
  private static final class Window {
    private final int length;
    private final ArrayDeque<float[]> rows = new ArrayDeque<>();
    private float[] first;

    Window(int length) {
      this.length = length;
    }

    /** Adds the group's next row and returns the window that ends with it. */
    float[] add(float[] row) {
      if (first == null) {
        first = row;
      }
      rows.addLast(row);
      if (rows.size() > length) {
        rows.removeFirst();
      }
      int width = row.length;
      float[] flat = new float[width * length];
      int t = length - rows.size();
      for (int pad = 0; pad < t; pad++) {
        put(flat, first, pad, width);
      }
      for (float[] step : rows) {
        put(flat, step, t++, width);
      }
      return flat;
    }

    private void put(float[] flat, float[] row, int t, int width) {
      for (int f = 0; f < width; f++) {
        flat[f * length + t] = row[f];
      }
    }
  }

  private static int column(CsvTable table, String local, String field) {
    if (!table.hasColumn(local)) {
      throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset.sequence." + field
          + ": the column the job names is not in this site's table (plant IT: check the dataset's columns"
          + " mapping)", "column '" + local + "' (job field dataset.sequence." + field + ") not found in "
          + table.source() + "; available columns: " + table.header());
    }
    return table.columnIndex(local);
  }

  private static double order(CsvTable table, int row, int column, String name) {
    return TabularEncoder.finite(table.value(row, column).trim(), table, row,
        "dataset.sequence.order: a value at this site is not a finite number", "order column '" + name + "'");
  }


  private static SiteDataException duplicate(CsvTable table, int row, SequenceSpec sequence, String order) {
    return new SiteDataException(SiteDataException.Kind.INVALID, "dataset.sequence.order: two rows of a group"
        + " at this site have the same order value", table.source() + " line " + table.lineNumber(row)
        + ": group '" + table.value(row, sequence.group()).trim() + "' has two rows with " + sequence.order()
        + " " + order + "; each row of a group needs its own order value");
  }
}
