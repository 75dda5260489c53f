package io.factoryfl.core.secagg;

import java.util.Arrays;
import java.util.Objects;

/**
 * Stage 5 message: the Shamir share that {@code from} holds of {@code about}'s secret - the
 * self-mask seed if {@code about} survived, the masking secret key if it dropped after sharing, never
 * both. {@code x} is the evaluation point ({@code from}'s cohort index + 1) and {@code values} the
 * share of each 56-bit chunk of the 32-byte secret, each in [0, 2^61 - 1). Arrays are copied in and
 * out.
 */
public record RevealedShare(String from, String about, Kind kind, long x, long[] values) {
  /** Which secret a share belongs to. */
  public enum Kind {
    /** Share of b_u, revealed for a peer that sent its masked input. */
    SELF_MASK_SEED,
    /** Share of s_u^sk, revealed for a peer that shared keys but sent no masked input. */
    MASKING_KEY
  }

  public RevealedShare {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(about, "about");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(values, "values");
    if (x < 1) {
      throw new IllegalArgumentException("evaluation point x must be at least 1, got " + x);
    }
    values = values.clone();
  }

  @Override
  public long[] values() {
    return values.clone();
  }

  long[] valuesView() {
    return values;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RevealedShare other && from.equals(other.from) && about.equals(other.about)
        && kind == other.kind && x == other.x && Arrays.equals(values, other.values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(from, about, kind, x);
  }

  /** Names the share without its values, which are secret until combined. */
  @Override
  public String toString() {
    return "RevealedShare[" + from + " about " + about + ", " + kind + "]";
  }
}
