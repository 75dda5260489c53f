package io.factoryfl.core.secagg;

import java.util.Objects;

/**
 * A revealed share the coordinator left out of a reconstruction because it does not lie on the
 * polynomial that all the other revealed shares of the same secret agree on. The coordinator cannot
 * tell who is at fault: either {@code revealer} revealed a wrong value, or {@code about} dealt it a
 * wrong share in the share-keys stage (the shares travel encrypted, so only the revealer saw what it
 * got). Verifiable secret sharing would tell the two apart; see docs/secure-aggregation.md.
 *
 * @param consistent how many other shares of the secret agree with each other
 */
public record DiscardedShare(String revealer, String about, RevealedShare.Kind kind, int consistent) {
  public DiscardedShare {
    Objects.requireNonNull(revealer, "revealer");
    Objects.requireNonNull(about, "about");
    Objects.requireNonNull(kind, "kind");
  }

  /** A sentence for the round log: what was discarded and the two possible culprits. */
  public String reason() {
    return "its " + (kind == RevealedShare.Kind.SELF_MASK_SEED ? "self-mask-seed" : "masking-key")
        + " share about '" + about + "' is off the polynomial the other " + consistent
        + " revealed shares agree on, and was discarded (either '" + revealer + "' revealed a wrong share or '"
        + about + "' dealt it one)";
  }
}
