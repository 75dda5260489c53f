package io.factoryfl.core.secagg;

import io.factoryfl.core.secagg.RevealedShare.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The coordinator's store of revealed shares and their reconstruction. Reconstruction takes the t
 * shares with the smallest evaluation points, so neighbourhoods that share a revealer set (always so
 * in classic SecAgg) reuse one set of Lagrange coefficients from the cache.
 */
final class ShareCollector {
  private record Share(long x, long[] values) {}

  private final Cohort cohort;
  private final Map<Kind, List<List<Share>>> byKind = new HashMap<>();
  private final Map<String, long[]> lagrange = new HashMap<>();

  ShareCollector(Cohort cohort) {
    this.cohort = cohort;
    for (Kind kind : Kind.values()) {
      List<List<Share>> lists = new ArrayList<>(cohort.size());
      for (int i = 0; i < cohort.size(); i++) {
        lists.add(new ArrayList<>());
      }
      byKind.put(kind, lists);
    }
  }

  /**
   * Validates every share of {@code from} before keeping any: about a neighbour, the kind its fate
   * calls for, the sender's evaluation point, field elements, one share per peer.
   */
  void accept(int from, List<RevealedShare> shares, BitSet survivors, BitSet dropped) {
    String sender = cohort.id(from);
    BitSet seen = new BitSet();
    for (RevealedShare share : shares) {
      if (!sender.equals(share.from())) {
        throw new SecAggException("'" + sender + "' sent a share marked as revealed by '" + share.from() + "'");
      }
      int about = cohort.index(share.about(), "a revealed share");
      if (!cohort.adjacent(from, about)) {
        throw new SecAggException("'" + sender + "' revealed a share about '" + share.about()
            + "', which is not its neighbour");
      }
      if (seen.get(about)) {
        throw new SecAggException("'" + sender + "' revealed two shares about '" + share.about() + "'");
      }
      seen.set(about);
      boolean expected = share.kind() == Kind.SELF_MASK_SEED ? survivors.get(about) : dropped.get(about);
      if (!expected) {
        throw new SecAggException("'" + sender + "' revealed a " + share.kind() + " share about '"
            + share.about() + "', which that participant's fate does not call for");
      }
      if (share.x() != Cohort.x(from)) {
        throw new SecAggException("'" + sender + "' revealed a share at point " + share.x()
            + "; its point is " + Cohort.x(from));
      }
      if (share.valuesView().length != Shamir.CHUNKS || !Shamir.inField(share.valuesView())) {
        throw new SecAggException("'" + sender + "' revealed a malformed share about '" + share.about() + "'");
      }
    }
    for (RevealedShare share : shares) {
      int about = cohort.index(share.about(), "a revealed share");
      byKind.get(share.kind()).get(about).add(new Share(share.x(), share.values()));
    }
  }

  /** Shares received per participant for one kind. */
  int[] counts(Kind kind) {
    List<List<Share>> lists = byKind.get(kind);
    int[] counts = new int[lists.size()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = lists.get(i).size();
    }
    return counts;
  }

  /** The 32-byte secret of {@code about}; the caller zeroes it. */
  byte[] reconstruct(int about, Kind kind) {
    List<Share> shares = new ArrayList<>(byKind.get(kind).get(about));
    int t = cohort.threshold();
    if (shares.size() < t) {
      throw new SecAggException("only " + shares.size() + " " + kind + " shares about '" + cohort.id(about)
          + "' arrived; the threshold is " + t);
    }
    shares.sort(Comparator.comparingLong(Share::x));
    long[] xs = new long[t];
    long[][] ys = new long[t][];
    for (int j = 0; j < t; j++) {
      xs[j] = shares.get(j).x();
      ys[j] = shares.get(j).values();
    }
    long[] lambda = lagrange.computeIfAbsent(Arrays.toString(xs), key -> Shamir.lagrangeAtZero(xs));
    try {
      return Shamir.combine(lambda, ys);
    } catch (SecAggException e) {
      throw new SecAggException("the " + kind + " reconstructed for '" + cohort.id(about)
          + "' is out of range: at least one revealed share is wrong");
    }
  }

  /** Zeroes every stored share. */
  void wipe() {
    for (List<List<Share>> lists : byKind.values()) {
      for (List<Share> list : lists) {
        for (Share share : list) {
          Arrays.fill(share.values(), 0);
        }
        list.clear();
      }
    }
  }
}
