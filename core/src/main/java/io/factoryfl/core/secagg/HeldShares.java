package io.factoryfl.core.secagg;

import io.factoryfl.core.secagg.RevealedShare.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The shares a participant holds of its neighbours' secrets, and the rule for revealing them: for
 * each neighbour the self-mask-seed share if it survived or the masking-key share if it dropped,
 * never both - a neighbour listed as both, or whose other share went out in an earlier call, is
 * refused. Revealing one kind zeroes the other, which is never needed again.
 */
final class HeldShares {
  private final Cohort cohort;
  private final int self;
  /** Neighbour index -> my share of its self-mask seed / of its masking key. */
  private final Map<Integer, long[]> seeds = new TreeMap<>();
  private final Map<Integer, long[]> keys = new TreeMap<>();
  private final Map<Integer, Kind> revealed = new HashMap<>();

  HeldShares(Cohort cohort, int self) {
    this.cohort = cohort;
    this.self = self;
  }

  void put(int from, long[] seedShare, long[] keyShare) {
    seeds.put(from, seedShare);
    keys.put(from, keyShare);
  }

  boolean holds(int neighbour) {
    return seeds.containsKey(neighbour);
  }

  int size() {
    return seeds.size();
  }

  /** The neighbours whose shares I hold, ascending. */
  Set<Integer> senders() {
    return seeds.keySet();
  }

  /**
   * What to reveal for survivors {@code alive} and participants {@code gone} that dropped after
   * sharing.
   *
   * @throws SecAggException if a peer is in both lists, a neighbour I hold shares of is in neither,
   *     a dropped neighbour never sent me shares, or the other share of a peer was revealed before
   */
  Map<Integer, Kind> request(BitSet alive, BitSet gone) {
    BitSet both = (BitSet) alive.clone();
    both.and(gone);
    if (!both.isEmpty()) {
      throw new SecAggException("'" + cohort.id(both.nextSetBit(0)) + "' is listed both as survivor and as"
          + " dropped; refusing to reveal both of its secrets");
    }
    Map<Integer, Kind> request = new TreeMap<>();
    for (int v : seeds.keySet()) {
      Kind kind = alive.get(v) ? Kind.SELF_MASK_SEED : gone.get(v) ? Kind.MASKING_KEY : null;
      if (kind == null) {
        throw new SecAggException("neighbour '" + cohort.id(v) + "' sent me shares but is listed neither as"
            + " survivor nor as dropped");
      }
      Kind earlier = revealed.get(v);
      if (earlier != null && earlier != kind) {
        throw new SecAggException("refusing to reveal the " + describe(kind) + " share of '" + cohort.id(v)
            + "': its " + describe(earlier) + " share was already revealed");
      }
      request.put(v, kind);
    }
    for (int w : cohort.neighbours(self)) {
      if (gone.get(w) && !seeds.containsKey(w)) {
        throw new SecAggException("neighbour '" + cohort.id(w) + "' is listed as dropped after sharing,"
            + " but it never sent me shares");
      }
    }
    return request;
  }

  /** The shares {@link #request} asked for; records them and zeroes the other kind. */
  List<RevealedShare> reveal(Map<Integer, Kind> request) {
    List<RevealedShare> out = new ArrayList<>(request.size());
    String me = cohort.id(self);
    for (Map.Entry<Integer, Kind> entry : request.entrySet()) {
      int v = entry.getKey();
      Kind kind = entry.getValue();
      out.add(new RevealedShare(me, cohort.id(v), kind, Cohort.x(self),
          (kind == Kind.SELF_MASK_SEED ? seeds : keys).get(v)));
      revealed.put(v, kind);
      Arrays.fill((kind == Kind.SELF_MASK_SEED ? keys : seeds).get(v), 0);
    }
    return out;
  }

  void wipe() {
    for (long[] share : seeds.values()) {
      Arrays.fill(share, 0);
    }
    for (long[] share : keys.values()) {
      Arrays.fill(share, 0);
    }
    seeds.clear();
    keys.clear();
  }

  private static String describe(Kind kind) {
    return kind == Kind.SELF_MASK_SEED ? "self-mask-seed" : "masking-key";
  }
}
