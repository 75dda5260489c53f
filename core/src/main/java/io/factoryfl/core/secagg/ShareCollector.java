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
 *
 * <p>Extra shares are never dropped unseen: with more than t shares of a secret, all of them must
 * lie on one polynomial of degree t - 1 ({@link Shamir#consistent}). If they do not, and there are
 * at least t + 2, the one share whose removal makes the rest consistent is discarded and recorded
 * (at most one share can have that property: two consistent sets of t + 1 or more that differ in
 * one share each overlap in t points, so they are the same polynomial). More wrong shares, or too
 * few extras to locate one, fail the reconstruction with the revealers named.
 */
final class ShareCollector {
  private record Share(int from, long x, long[] values) {}

  private final Cohort cohort;
  private final Map<Kind, List<List<Share>>> byKind = new HashMap<>();
  private final Map<String, long[]> lagrange = new HashMap<>();
  private final List<DiscardedShare> discarded = new ArrayList<>();

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
      byKind.get(share.kind()).get(about).add(new Share(from, share.x(), share.values()));
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
    int wrong = wrongShare(shares, about, kind);
    if (wrong >= 0) {
      Share dropped = shares.remove(wrong);
      discarded.add(new DiscardedShare(cohort.id(dropped.from()), cohort.id(about), kind, shares.size()));
    }
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

  /** The shares discarded so far as inconsistent with the others of their secret. */
  List<DiscardedShare> discarded() {
    return List.copyOf(discarded);
  }

  /**
   * The index of the one share that is off the polynomial the others agree on, or -1 if all agree.
   *
   * @throws SecAggException if they disagree and no single share explains it
   */
  private int wrongShare(List<Share> shares, int about, Kind kind) {
    int t = cohort.threshold();
    if (consistent(shares, -1, t)) {
      return -1;
    }
    if (shares.size() >= t + 2) {
      for (int i = 0; i < shares.size(); i++) {
        if (consistent(shares, i, t)) {
          return i;
        }
      }
    }
    List<String> revealers = shares.stream().map(share -> cohort.id(share.from())).toList();
    throw new SecAggException("the " + shares.size() + " " + kind + " shares revealed about '" + cohort.id(about)
        + "' do not lie on one polynomial of degree " + (t - 1) + " and "
        + (shares.size() >= t + 2 ? "no single wrong share explains it (at least two are wrong)"
            : "there are too few beyond the threshold " + t + " to tell which is wrong")
        + "; revealed by " + revealers + ". Either some of them revealed wrong shares or '" + cohort.id(about)
        + "' dealt wrong ones");
  }

  /** Whether {@code shares} without the one at {@code skip} (none if -1) lie on one polynomial. */
  private static boolean consistent(List<Share> shares, int skip, int t) {
    int size = shares.size() - (skip >= 0 ? 1 : 0);
    long[] xs = new long[size];
    long[][] ys = new long[size][];
    int k = 0;
    for (int i = 0; i < shares.size(); i++) {
      if (i != skip) {
        xs[k] = shares.get(i).x();
        ys[k++] = shares.get(i).values();
      }
    }
    return Shamir.consistent(xs, ys, t);
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
