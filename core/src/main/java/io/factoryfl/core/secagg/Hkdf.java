package io.factoryfl.core.secagg;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869) on the JDK's {@code HmacSHA256}. Not thread-safe: one instance
 * per thread, reused so that a round's thousands of derivations do not each look up a provider.
 *
 * <p>The pseudo-random key of the extract step is zeroed after the expand step. The JCA copies key
 * bytes into its {@link SecretKeySpec} and MAC state, which JDK 17 cannot wipe; those copies are
 * unreachable once the next key is installed and are left to the garbage collector.
 */
final class Hkdf {
  static final int HASH_LENGTH = 32;
  private final Mac mac;

  Hkdf() {
    try {
      mac = Mac.getInstance("HmacSHA256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK provides no HmacSHA256", e);
    }
  }

  /** OKM = HKDF-Expand(HKDF-Extract(salt, ikm), info, length). */
  byte[] derive(byte[] ikm, byte[] salt, byte[] info, int length) {
    byte[] prk = extract(salt, ikm);
    try {
      return expand(prk, info, length);
    } finally {
      Arrays.fill(prk, (byte) 0);
    }
  }

  /** PRK = HMAC-Hash(salt, IKM); an empty salt means HashLen zero bytes. */
  byte[] extract(byte[] salt, byte[] ikm) {
    byte[] key = salt.length == 0 ? new byte[HASH_LENGTH] : salt;
    init(key);
    return mac.doFinal(ikm);
  }

  /** T(i) = HMAC-Hash(PRK, T(i-1) | info | i), OKM = first {@code length} bytes of T(1) | T(2) | .... */
  byte[] expand(byte[] prk, byte[] info, int length) {
    if (length < 1 || length > 255 * HASH_LENGTH) {
      throw new IllegalArgumentException("HKDF output length must be from 1 to " + 255 * HASH_LENGTH + ", got " + length);
    }
    init(prk);
    byte[] okm = new byte[length];
    byte[] previous = new byte[0];
    int filled = 0;
    for (int i = 1; filled < length; i++) {
      mac.update(previous);
      mac.update(info);
      mac.update((byte) i);
      byte[] block = mac.doFinal();
      int take = Math.min(block.length, length - filled);
      System.arraycopy(block, 0, okm, filled, take);
      filled += take;
      Arrays.fill(previous, (byte) 0);
      previous = block;
    }
    Arrays.fill(previous, (byte) 0);
    return okm;
  }

  private void init(byte[] key) {
    try {
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
    } catch (InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 refused a " + key.length + "-byte key", e);
    }
  }
}
