package io.factoryfl.core.secagg;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Where a round's neighbour graph comes from, so that both sides derive the same graph and neither
 * the coordinator's graph seed nor its ordering of the cohort enters it.
 *
 * <pre>
 * seed  = SHA-256(label "FactoryFL SecAgg+ v2 neighbour graph", jobId, round, modelHash, n, k,
 *                 for each cohort member in order of id (UTF-16 compareTo):
 *                   id, 1 and c_pk, s_pk if it advertised keys, else 0)
 * graph = the k-regular Harary graph on the members in order of id, its ring shuffled by a
 *         SplittableRandom seeded with the first 8 bytes of seed, then mapped to cohort indices
 * </pre>
 *
 * The advertised keys are fresh X25519 public keys every honest site draws from its own
 * SecureRandom in stage 1, after the cohort, the model and k are fixed. So when the coordinator
 * picks the cohort and its order it cannot know the graph. What it can still steer, and why the
 * defaults do not depend on it, is written down in docs/secure-aggregation.md ("The neighbour
 * graph"): after seeing the honest keys it may leave some out, retry the round, or let colluding
 * sites pick their keys, each choice a fresh draw of the graph - a search, not a choice.
 */
public final class GraphSeed {
  static final String LABEL = "FactoryFL SecAgg+ v2 neighbour graph";

  private GraphSeed() {}

  /**
   * The seed for a session; {@code keys[i]} is cohort member i's advertised keys, or null if it did
   * not advertise.
   */
  public static byte[] of(SessionInfo session, int neighbours, SignedKeys[] keys) {
    if (keys.length != session.size()) {
      throw new IllegalArgumentException("expected keys for " + session.size() + " cohort members, got "
          + keys.length);
    }
    MessageDigest digest = Transcript.sha256();
    Transcript.update(digest, LABEL);
    Transcript.update(digest, session.jobId());
    Transcript.update(digest, session.round());
    Transcript.update(digest, session.modelHash());
    Transcript.update(digest, session.size());
    Transcript.update(digest, neighbours);
    for (int i : byId(session)) {
      Transcript.update(digest, session.cohort().get(i));
      SignedKeys k = keys[i];
      digest.update((byte) (k == null ? 0 : 1));
      if (k != null) {
        digest.update(k.encryptionKeyView());
        digest.update(k.maskingKeyView());
      }
    }
    return digest.digest();
  }

  /** The graph for a session from its advertised keys ({@code keys} as in {@link #of}). */
  public static NeighbourGraph graph(SessionInfo session, int neighbours, SignedKeys[] keys) {
    long seed = ByteBuffer.wrap(of(session, neighbours, keys)).getLong();
    int[] byId = byId(session);
    return NeighbourGraph.harary(session.size(), neighbours, seed).relabel(byId);
  }

  /** Cohort indices in order of participant id. */
  private static int[] byId(SessionInfo session) {
    return IntStream.range(0, session.size()).boxed()
        .sorted(Comparator.comparing(session.cohort()::get)).mapToInt(Integer::intValue).toArray();
  }

  static boolean sameGraph(NeighbourGraph a, NeighbourGraph b) {
    return Arrays.equals(a.fingerprint(), b.fingerprint());
  }
}
