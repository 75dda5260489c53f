package io.factoryfl.core.secagg;

import java.util.Arrays;
import java.util.Objects;

/**
 * Stage 2 message, relayed by the coordinator: {@code from}'s Shamir shares of its self-mask seed and
 * of its masking secret key, for {@code to}, encrypted with AES-256-GCM under a key only the two can
 * derive. The ciphertext is the 12-byte nonce followed by the GCM output (ciphertext and 16-byte
 * tag); the associated data binds session id, sender and receiver. Arrays are copied in and out.
 */
public record EncryptedShare(String from, String to, byte[] ciphertext) {
  /** Nonce + tag: the shortest possible ciphertext. */
  static final int OVERHEAD = 12 + 16;

  public EncryptedShare {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(ciphertext, "ciphertext");
    if (ciphertext.length < OVERHEAD) {
      throw new IllegalArgumentException("ciphertext from '" + from + "' to '" + to + "' is "
          + ciphertext.length + " bytes, shorter than nonce and tag (" + OVERHEAD + ")");
    }
    ciphertext = ciphertext.clone();
  }

  @Override
  public byte[] ciphertext() {
    return ciphertext.clone();
  }

  byte[] ciphertextView() {
    return ciphertext;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EncryptedShare other && from.equals(other.from) && to.equals(other.to)
        && Arrays.equals(ciphertext, other.ciphertext);
  }

  @Override
  public int hashCode() {
    return Objects.hash(from, to, Arrays.hashCode(ciphertext));
  }

  @Override
  public String toString() {
    return "EncryptedShare[" + from + " -> " + to + ", " + ciphertext.length + " bytes]";
  }
}
