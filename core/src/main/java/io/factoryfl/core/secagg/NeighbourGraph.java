package io.factoryfl.core.secagg;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Who shares secrets with whom in a SecAgg+ round: a k-regular Harary graph over the cohort
 * indices, laid on a ring in a seeded random order. Position {@code p} on the ring is adjacent to
 * positions {@code p +- 1 .. p +- floor(k/2)}, and for odd k (even n only) also to {@code p + n/2}.
 * With {@code k = n - 1} it is the complete graph, i.e. classic SecAgg.
 *
 * <p>The graph is public. Its randomness matters only in that the coordinator should not pick a
 * favourable graph after seeing who it wants to target: in a deployment both sides derive it with
 * {@link GraphSeed} from the keys the cohort advertised, never from a seed the coordinator sends.
 * {@link #forSession} (a seed from job, round, model and cohort, all of which the coordinator
 * chooses) is for tests and benchmarks only.
 */
public final class NeighbourGraph {
  private final int size;
  private final int degree;
  /** The node at each ring position. */
  private final int[] ring;
  /** Each node's ring position (the inverse of {@link #ring}). */
  private final int[] position;

  /**
   * The graph is held as its ring, O(n) memory: a node's neighbours are computed when asked for.
   * A cohort of 1,000 with k = 400 would otherwise hold 400,000 entries at every site.
   */
  private NeighbourGraph(int size, int degree, int[] ring) {
    this.size = size;
    this.degree = degree;
    this.ring = ring;
    this.position = new int[size];
    for (int p = 0; p < size; p++) {
      position[ring[p]] = p;
    }
  }

  /**
   * The k-regular Harary graph on {@code n} nodes with the ring order shuffled by {@code seed}.
   *
   * @throws IllegalArgumentException if {@code n < 2}, {@code k} is not in [1, n-1], or both are odd
   *     (no k-regular graph exists)
   */
  public static NeighbourGraph harary(int n, int k, long seed) {
    if (n < 2) {
      throw new IllegalArgumentException("a neighbour graph needs at least 2 nodes, got " + n);
    }
    if (k < 1 || k > n - 1) {
      throw new IllegalArgumentException("degree " + k + " must be from 1 to " + (n - 1) + " for " + n + " nodes");
    }
    if (k % 2 == 1 && n % 2 == 1) {
      throw new IllegalArgumentException(
          "no " + k + "-regular graph exists on " + n + " nodes (both odd); choose an even degree");
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return new NeighbourGraph(n, k, order);
  }

  /**
   * This graph with node {@code p} renamed {@code label[p]} ({@code label} a permutation of 0..n-1).
   */
  NeighbourGraph relabel(int[] label) {
    int[] renamed = new int[size];
    for (int p = 0; p < size; p++) {
      renamed[p] = label[ring[p]];
    }
    return new NeighbourGraph(size, degree, renamed);
  }

  /**
   * The graph for a session, seeded by {@link #seedFor(SessionInfo)}: tests and benchmarks only,
   * as the coordinator chooses everything the seed covers (see {@link GraphSeed}).
   */
  public static NeighbourGraph forSession(SessionInfo session, int k) {
    return harary(session.size(), k, seedFor(session));
  }

  /** A seed every participant can recompute: SHA-256 of job, round, model hash and cohort. */
  public static long seedFor(SessionInfo session) {
    MessageDigest digest = Transcript.sha256();
    Transcript.update(digest, "FactoryFL SecAgg+ v1 neighbour graph");
    Transcript.update(digest, session.jobId());
    Transcript.update(digest, session.round());
    Transcript.update(digest, session.modelHash());
    Transcript.update(digest, session.size());
    for (String id : session.cohort()) {
      Transcript.update(digest, id);
    }
    return ByteBuffer.wrap(digest.digest()).getLong();
  }

  /** Number of nodes. */
  public int size() {
    return size;
  }

  /** k: every node has exactly this many neighbours (itself excluded). */
  public int degree() {
    return degree;
  }

  /** The neighbours of {@code index}, ascending. */
  public List<Integer> neighbours(int index) {
    return Arrays.stream(row(index)).boxed().toList();
  }

  /**
   * Whether {@code a} and {@code b} are neighbours (a node is not its own neighbour): their ring
   * positions are at most floor(k/2) apart, or, for odd k, exactly n/2.
   */
  public boolean adjacent(int a, int b) {
    if (a == b) {
      return false;
    }
    int gap = Math.floorMod(position[b] - position[a], size);
    int distance = Math.min(gap, size - gap);
    return distance <= degree / 2 || (degree % 2 == 1 && gap == size / 2);
  }

  /** The neighbours of {@code index}, ascending, in a new array. */
  int[] row(int index) {
    int p = position[index];
    int[] row = new int[degree];
    int filled = 0;
    for (int offset = 1; offset <= degree / 2; offset++) {
      row[filled++] = ring[(p + offset) % size];
      row[filled++] = ring[(p - offset + size) % size];
    }
    if (degree % 2 == 1) {
      row[filled] = ring[(p + size / 2) % size];
    }
    Arrays.sort(row);
    return row;
  }

  /** SHA-256 of the adjacency lists, bound into the session id. */
  byte[] fingerprint() {
    MessageDigest digest = Transcript.sha256();
    ByteBuffer buffer = ByteBuffer.allocate(4 * Math.max(2, degree));
    digest.update(buffer.putInt(size).putInt(degree).array(), 0, 8);
    for (int node = 0; node < size; node++) {
      buffer.clear();
      for (int v : row(node)) {
        buffer.putInt(v);
      }
      digest.update(buffer.array(), 0, buffer.position());
    }
    return digest.digest();
  }

  @Override
  public String toString() {
    return "NeighbourGraph[n=" + size + ", k=" + degree + "]";
  }
}
