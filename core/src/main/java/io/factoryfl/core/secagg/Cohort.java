package io.factoryfl.core.secagg;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A session, its parameters and its neighbour graph, checked against each other, with O(1) id to
 * index lookups. Shared by both sides of the protocol. The graph is either given up front (tests,
 * benchmarks) or derived with {@link GraphSeed} from the advertised keys when key advertisement
 * closes ({@link #deriveGraph}); nothing asks for it before that.
 */
final class Cohort {
  final SessionInfo session;
  final SecAggParameters parameters;
  private NeighbourGraph graph;
  private final Map<String, Integer> indices;

  /** A cohort whose graph is derived from the advertised keys ({@link #deriveGraph}). */
  Cohort(SessionInfo session, SecAggParameters parameters) {
    this.session = Objects.requireNonNull(session, "session");
    this.parameters = Objects.requireNonNull(parameters, "parameters");
    parameters.requireCohort(session.size());
    indices = indices(session);
  }

  Cohort(SessionInfo session, SecAggParameters parameters, NeighbourGraph graph) {
    this(session, parameters);
    check(Objects.requireNonNull(graph, "graph"));
    this.graph = graph;
  }

  /**
   * Fixes the graph from the keys advertised in stage 1 ({@code keys[i]} null for a member that did
   * not advertise); a no-op for a cohort built with a given graph.
   */
  void deriveGraph(SignedKeys[] keys) {
    if (graph == null) {
      NeighbourGraph derived = GraphSeed.graph(session, parameters.neighbours(), keys);
      check(derived);
      graph = derived;
    }
  }

  NeighbourGraph graph() {
    if (graph == null) {
      throw new IllegalStateException("the neighbour graph is derived when key advertisement closes;"
          + " it was asked for before");
    }
    return graph;
  }

  private static Map<String, Integer> indices(SessionInfo session) {
    Map<String, Integer> indices = new HashMap<>();
    for (int i = 0; i < session.size(); i++) {
      indices.put(session.cohort().get(i), i);
    }
    return indices;
  }

  private void check(NeighbourGraph graph) {
    if (graph.size() != session.size()) {
      throw new IllegalArgumentException(
          "the neighbour graph has " + graph.size() + " nodes but the cohort has " + session.size());
    }
    if (graph.degree() != parameters.neighbours()) {
      throw new IllegalArgumentException("the neighbour graph has degree " + graph.degree()
          + " but the parameters say " + parameters.neighbours() + " neighbours");
    }
  }

  int size() {
    return session.size();
  }

  int threshold() {
    return parameters.threshold();
  }

  String id(int index) {
    return session.cohort().get(index);
  }

  /** The index of a cohort member; {@code what} names where the id came from, for the message. */
  int index(String id, String what) {
    Integer index = id == null ? null : indices.get(id);
    if (index == null) {
      throw new SecAggException(what + " names '" + id + "', who is not in the cohort of job "
          + session.jobId() + " round " + session.round());
    }
    return index;
  }

  /** Evaluation point of a member's Shamir shares. */
  static long x(int index) {
    return index + 1L;
  }

  int[] neighbours(int index) {
    return graph().row(index);
  }

  boolean adjacent(int a, int b) {
    return graph().adjacent(a, b);
  }

  /** The members named in {@code ids}, refusing unknown and repeated ids. */
  BitSet members(List<String> ids, String what) {
    Objects.requireNonNull(ids, what);
    BitSet set = new BitSet(size());
    for (String id : ids) {
      int index = index(id, what);
      if (set.get(index)) {
        throw new SecAggException(what + " names '" + id + "' twice");
      }
      set.set(index);
    }
    return set;
  }

  /** How many neighbours of {@code index} are in {@code set}. */
  int neighboursIn(int index, BitSet set) {
    int count = 0;
    for (int v : graph().row(index)) {
      if (set.get(v)) {
        count++;
      }
    }
    return count;
  }

  List<String> ids(BitSet set) {
    List<String> ids = new ArrayList<>(set.cardinality());
    for (int i = set.nextSetBit(0); i >= 0; i = set.nextSetBit(i + 1)) {
      ids.add(id(i));
    }
    return ids;
  }

  /** The two ids of a pair ordered by cohort index, as the pairwise-mask derivation wants them. */
  String[] orderedPair(int a, int b) {
    return a < b ? new String[] {id(a), id(b)} : new String[] {id(b), id(a)};
  }
}
