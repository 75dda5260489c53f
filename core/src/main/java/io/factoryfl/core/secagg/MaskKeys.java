package io.factoryfl.core.secagg;

/**
 * Derivation of the 32-byte AES keys that {@link MaskStream} expands into masks. Both derivations
 * use the session id as HKDF salt, so a seed or key pair reused in another round (it must not be,
 * but a replayed message might try) gives unrelated masks.
 *
 * <ul>
 *   <li>pairwise mask of u and v: {@code HKDF(X25519(s_u, s_v), salt = session id, info = "pairwise
 *       mask" | lower id | higher id)}, lower and higher by cohort index; the lower index adds it,
 *       the higher subtracts it, so it cancels in the sum when both survive;
 *   <li>self mask of u: {@code HKDF(b_u, salt = session id, info = "self mask" | u)}.
 * </ul>
 */
final class MaskKeys {
  static final int KEY_BYTES = 32;

  private MaskKeys() {}

  static byte[] pairwise(Hkdf hkdf, byte[] sharedSecret, byte[] sessionId, String lower, String higher) {
    byte[] info = new Transcript(Transcript.PAIRWISE_MASK_LABEL).string(lower).string(higher).toByteArray();
    return hkdf.derive(sharedSecret, sessionId, info, KEY_BYTES);
  }

  static byte[] self(Hkdf hkdf, byte[] seed, byte[] sessionId, String owner) {
    byte[] info = new Transcript(Transcript.SELF_MASK_LABEL).string(owner).toByteArray();
    return hkdf.derive(seed, sessionId, info, KEY_BYTES);
  }
}
