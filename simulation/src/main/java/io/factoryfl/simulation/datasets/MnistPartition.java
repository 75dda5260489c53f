package io.factoryfl.simulation.datasets;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * How McMahan et al. 2017 ("Communication-Efficient Learning of Deep Networks from Decentralized
 * Data", section 3) deal MNIST's training images to clients: {@link Kind#IID}, shuffled and dealt
 * in equal parts; or {@link Kind#NON_IID}, the pathological split: sorted by digit, cut into
 * {@code clients x shardsPerClient} equal shards, each client given {@code shardsPerClient} of
 * them at random, so most clients see only two digits. Both draw from the seed alone.
 */
public final class MnistPartition {
  /** The two splits of the paper. */
  public enum Kind {
    IID("iid"),
    NON_IID("non-iid");

    private final String key;

    Kind(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }

    public static Optional<Kind> byKey(String key) {
      return Arrays.stream(values()).filter(kind -> kind.key.equals(key)).findFirst();
    }
  }

  private MnistPartition() {}

  /**
   * Each client's example indices (ascending) under {@code kind}; the paper's pathological split
   * takes 2 shards per client.
   */
  public static List<int[]> of(Kind kind, byte[] labels, int clients, long seed) {
    return kind == Kind.IID ? iid(labels.length, clients, seed) : pathological(labels, clients, 2, seed);
  }

  /** {@code examples} indices shuffled and dealt into {@code clients} parts of equal size. */
  public static List<int[]> iid(int examples, int clients, long seed) {
    requireDivides(examples, clients, "clients");
    int[] order = IntStream.range(0, examples).toArray();
    shuffle(order, new SplittableRandom(seed));
    int each = examples / clients;
    List<int[]> parts = new ArrayList<>(clients);
    for (int c = 0; c < clients; c++) {
      int[] part = Arrays.copyOfRange(order, c * each, (c + 1) * each);
      Arrays.sort(part);
      parts.add(part);
    }
    return parts;
  }

  /**
   * The examples sorted by label (ties in index order), cut into {@code clients x shardsPerClient}
   * shards of equal size, and the shards dealt at random, {@code shardsPerClient} to each client.
   */
  public static List<int[]> pathological(byte[] labels, int clients, int shardsPerClient, long seed) {
    int shards = Math.multiplyExact(clients, shardsPerClient);
    requireDivides(labels.length, shards, "shards (" + clients + " clients x " + shardsPerClient + ")");
    int[] byLabel = sortedByLabel(labels);
    int[] shardOrder = IntStream.range(0, shards).toArray();
    shuffle(shardOrder, new SplittableRandom(seed));
    int shardSize = labels.length / shards;
    List<int[]> parts = new ArrayList<>(clients);
    for (int c = 0; c < clients; c++) {
      int[] part = new int[shardsPerClient * shardSize];
      for (int s = 0; s < shardsPerClient; s++) {
        System.arraycopy(byLabel, shardOrder[c * shardsPerClient + s] * shardSize, part, s * shardSize, shardSize);
      }
      Arrays.sort(part);
      parts.add(part);
    }
    return parts;
  }

  /** The indices of {@code labels} sorted by label (unsigned byte), ties in index order: a counting sort. */
  public static int[] sortedByLabel(byte[] labels) {
    int[] start = new int[257];
    for (byte label : labels) {
      start[(label & 0xff) + 1]++;
    }
    for (int k = 1; k < start.length; k++) {
      start[k] += start[k - 1];
    }
    int[] sorted = new int[labels.length];
    for (int i = 0; i < labels.length; i++) {
      sorted[start[labels[i] & 0xff]++] = i;
    }
    return sorted;
  }

  private static void requireDivides(int examples, int parts, String what) {
    if (parts < 1 || examples % parts != 0) {
      throw new IllegalArgumentException(examples + " examples do not split evenly into " + parts + " " + what);
    }
  }

  private static void shuffle(int[] values, SplittableRandom random) {
    for (int i = values.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = values[i];
      values[i] = values[j];
      values[j] = swap;
    }
  }
}
