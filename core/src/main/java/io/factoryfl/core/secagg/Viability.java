package io.factoryfl.core.secagg;

import java.util.BitSet;
import java.util.Optional;
import java.util.function.IntUnaryOperator;

/**
 * Whether a round can still end in an unmasked sum, judged after each stage from who is left. The
 * SecAgg+ condition: every survivor's self-mask seed needs t revealed shares from its neighbours,
 * and every participant that dropped after sharing keys and has a surviving neighbour needs t
 * revealed shares of its masking key. Participants also abort on their own when they see fewer than
 * t neighbours, and those aborts are anticipated here. Messages name the stage, the participant, the
 * count and the threshold.
 */
final class Viability {
  private final Cohort cohort;
  private final int t;

  Viability(Cohort cohort) {
    this.cohort = cohort;
    this.t = cohort.threshold();
  }

  /** After key advertisement: enough participants for any neighbourhood to reach t. */
  Optional<String> afterAdvertise(BitSet advertised) {
    if (advertised.cardinality() < t + 1) {
      return reason("key advertisement", "only " + advertised.cardinality() + " participants advertised keys;"
          + " at least threshold + 1 = " + (t + 1) + " are needed");
    }
    for (int u = advertised.nextSetBit(0); u >= 0; u = advertised.nextSetBit(u + 1)) {
      if (cohort.neighboursIn(u, advertised) >= t) {
        return Optional.empty();
      }
    }
    return reason("key advertisement", "no participant has " + t + " neighbours that advertised keys");
  }

  /**
   * After share exchange: a participant with fewer than t sharing neighbours will abort, and its
   * masking key could not be recovered from its neighbours.
   */
  Optional<String> afterShares(BitSet shared) {
    if (shared.isEmpty()) {
      return reason("key sharing", "no participant shared its keys");
    }
    for (int u = shared.nextSetBit(0); u >= 0; u = shared.nextSetBit(u + 1)) {
      int count = cohort.neighboursIn(u, shared);
      if (count < t) {
        return reason("key sharing", "participant '" + cohort.id(u) + "' has only " + count
            + " neighbours that shared keys, below the threshold " + t
            + ", so its masks could not be removed if it dropped");
      }
    }
    return Optional.empty();
  }

  /**
   * With {@code revealers} the participants still expected to reveal shares: every survivor's seed
   * and every needed dropped key must have t of them among its neighbours.
   */
  Optional<String> revealable(String stage, BitSet shared, BitSet survivors, BitSet revealers) {
    return reconstructible(stage, shared, survivors,
        u -> cohort.neighboursIn(u, revealers), w -> cohort.neighboursIn(w, revealers), "left to reveal");
  }

  /** After unmasking: the shares actually received. */
  Optional<String> afterUnmask(BitSet shared, BitSet survivors, int[] seedShares, int[] keyShares) {
    return reconstructible("unmasking", shared, survivors, u -> seedShares[u], w -> keyShares[w], "revealed");
  }

  private Optional<String> reconstructible(String stage, BitSet shared, BitSet survivors,
      IntUnaryOperator seedCount, IntUnaryOperator keyCount, String verb) {
    if (survivors.isEmpty()) {
      return reason(stage, "no participant sent a masked input");
    }
    for (int u = survivors.nextSetBit(0); u >= 0; u = survivors.nextSetBit(u + 1)) {
      int count = seedCount.applyAsInt(u);
      if (count < t) {
        return reason(stage, "survivor '" + cohort.id(u) + "' has only " + count + " neighbours " + verb
            + " its self-mask-seed share, below the threshold " + t);
      }
    }
    for (int w = shared.nextSetBit(0); w >= 0; w = shared.nextSetBit(w + 1)) {
      if (survivors.get(w) || cohort.neighboursIn(w, survivors) == 0) {
        continue;
      }
      int count = keyCount.applyAsInt(w);
      if (count < t) {
        return reason(stage, "dropped participant '" + cohort.id(w) + "' has only " + count + " neighbours "
            + verb + " its masking-key share, below the threshold " + t);
      }
    }
    return Optional.empty();
  }

  /** Participants of {@code signers} that see at least t signing neighbours, and so will answer. */
  BitSet expectedRevealers(BitSet signers) {
    BitSet revealers = new BitSet();
    for (int u = signers.nextSetBit(0); u >= 0; u = signers.nextSetBit(u + 1)) {
      if (cohort.neighboursIn(u, signers) >= t) {
        revealers.set(u);
      }
    }
    return revealers;
  }

  private Optional<String> reason(String stage, String detail) {
    return Optional.of("the round cannot complete after " + stage + ": " + detail
        + " (job " + cohort.session.jobId() + " round " + cohort.session.round() + ")");
  }
}
