package io.factoryfl.simulation;

import io.factoryfl.participant.data.CsvTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Splits one table into non-IID factories the way real plants differ: by product variant, with
 * the largest variant's production spread over several plants by product-ID range.
 *
 * <p>With n >= the number of groups, each group of {@code groupColumn} is one factory, and the
 * largest group is cut into contiguous product-ID ranges to make up the rest (AI4I with n = 5:
 * three L plants, one M plant, one H plant). With fewer factories than groups, groups are dealt
 * largest first to the currently smallest factory. Each factory then holds out a seeded random
 * share of its rows for evaluation.
 *
 * <p>A table has room for one factory per 10 rows (AI4I: 1,000). Beyond that, factory n + i is a
 * twin of factory i + 1, holding the same rows under its own name and certificate: a scale run
 * exercises the coordinator and the protocol, which need sites, not new data.
 */
final class Partitioner {
  /** The most factories one simulation runs; the point of thousands is the coordinator, not the data. */
  static final int MAX_FACTORIES = 10_000;

  private Partitioner() {}

  static List<Factory> split(CsvTable table, int factories, String groupColumn, String idColumn,
      double holdOut, long seed) {
    if (table.rows() < 10) {
      throw new IllegalArgumentException(table.source() + " has " + table.rows()
          + " data rows; the simulator needs at least 10 per factory");
    }
    if (factories < 1 || factories > MAX_FACTORIES) {
      throw new IllegalArgumentException("--factories was " + factories + "; must be between 1 and "
          + MAX_FACTORIES);
    }
    int distinct = table.rows() / 10;
    if (factories > distinct) {
      return withTwins(split(table, distinct, groupColumn, idColumn, holdOut, seed), factories);
    }
    Map<String, List<Integer>> groups = new LinkedHashMap<>();
    for (int row = 0; row < table.rows(); row++) {
      groups.computeIfAbsent(table.value(row, groupColumn), g -> new ArrayList<>()).add(row);
    }
    List<Map.Entry<String, List<Integer>>> bySize = new ArrayList<>(groups.entrySet());
    bySize.sort(Comparator.comparing((Map.Entry<String, List<Integer>> e) -> -e.getValue().size())
        .thenComparing(Map.Entry::getKey));

    List<String> labels = new ArrayList<>();
    List<List<Integer>> parts = new ArrayList<>();
    if (factories >= bySize.size()) {
      int pieces = factories - bySize.size() + 1;
      List<Integer> largest = new ArrayList<>(bySize.get(0).getValue());
      largest.sort(Comparator.comparing((Integer row) -> table.value(row, idColumn)));
      for (int p = 0; p < pieces; p++) {
        labels.add(bySize.get(0).getKey() + (pieces > 1 ? " ids " + (p + 1) + "/" + pieces : ""));
        parts.add(largest.subList(p * largest.size() / pieces, (p + 1) * largest.size() / pieces));
      }
      for (Map.Entry<String, List<Integer>> group : bySize.subList(1, bySize.size())) {
        labels.add(group.getKey());
        parts.add(group.getValue());
      }
    } else {
      for (int f = 0; f < factories; f++) {
        labels.add("");
        parts.add(new ArrayList<>());
      }
      for (Map.Entry<String, List<Integer>> group : bySize) {
        int smallest = 0;
        for (int f = 1; f < factories; f++) {
          if (parts.get(f).size() < parts.get(smallest).size()) {
            smallest = f;
          }
        }
        parts.get(smallest).addAll(group.getValue());
        labels.set(smallest, (labels.get(smallest).isEmpty() ? "" : labels.get(smallest) + "+") + group.getKey());
      }
    }

    List<Factory> result = new ArrayList<>();
    int width = String.valueOf(factories).length();
    for (int f = 0; f < parts.size(); f++) {
      int[] rows = parts.get(f).stream().mapToInt(Integer::intValue).toArray();
      shuffle(rows, new SplittableRandom(seed * 31 + f));
      int evalCount = (int) Math.round(rows.length * holdOut);
      int[] eval = java.util.Arrays.copyOfRange(rows, 0, evalCount);
      int[] train = java.util.Arrays.copyOfRange(rows, evalCount, rows.length);
      java.util.Arrays.sort(eval);
      java.util.Arrays.sort(train);
      String name = String.format("factory-%0" + width + "d", f + 1);
      result.add(new Factory(name, groupColumn + " " + labels.get(f), table.select(train), table.select(eval)));
    }
    return result;
  }

  private static void shuffle(int[] values, SplittableRandom random) {
    for (int i = values.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = values[i];
      values[i] = values[j];
      values[j] = swap;
    }
  }

  /** The {@code distinct} factories followed by twins of them, up to {@code factories} in all. */
  private static List<Factory> withTwins(List<Factory> distinct, int factories) {
    int width = String.valueOf(factories).length();
    List<Factory> result = new ArrayList<>();
    for (int f = 0; f < factories; f++) {
      Factory original = distinct.get(f % distinct.size());
      String name = String.format("factory-%0" + width + "d", f + 1);
      String description = f < distinct.size() ? original.description()
          : "twin of " + String.format("factory-%0" + width + "d", f % distinct.size() + 1);
      result.add(new Factory(name, description, original.train(), original.eval()));
    }
    return result;
  }
}
