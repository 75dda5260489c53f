package io.factoryfl.core.secagg;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encryption of the shares one participant sends another through the coordinator: AES-256-GCM
 * (JDK provider) under {@code HKDF-SHA256(ikm = X25519(c_from, c_to), salt = session id, info =
 * "share encryption" | from | to)}, a fresh random 12-byte nonce prefixed to the output, and
 * associated data {@code session id | from | to}. The direction is in the key, and session, sender
 * and receiver are in both key and associated data, so a ciphertext cannot be reflected back, moved
 * to another receiver or replayed into another round.
 *
 * <p>Plaintext: version byte 1, the receiver's evaluation point x (int), the chunk count (int), then
 * the self-mask-seed share and the masking-key share (chunk count longs each).
 */
final class ShareBox {
  private static final byte VERSION = 1;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  static final int PAYLOAD_BYTES = 1 + 8 + 4 + 16 * Shamir.CHUNKS;
  /** The exact length of a sealed share: nonce, payload, tag. */
  static final int SEALED_BYTES = NONCE_BYTES + PAYLOAD_BYTES + TAG_BITS / 8;

  private ShareBox() {}

  /** The AES-256 key for shares travelling {@code from -> to}. */
  static byte[] key(Hkdf hkdf, byte[] sharedSecret, byte[] sessionId, String from, String to) {
    byte[] info = new Transcript(Transcript.SHARE_ENCRYPTION_LABEL).string(from).string(to).toByteArray();
    return hkdf.derive(sharedSecret, sessionId, info, 32);
  }

  static byte[] seal(byte[] key, byte[] aad, byte[] plaintext, SecureRandom random) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(aad);
      byte[] out = new byte[NONCE_BYTES + cipher.getOutputSize(plaintext.length)];
      System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
      cipher.doFinal(plaintext, 0, plaintext.length, out, NONCE_BYTES);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM encryption failed", e);
    }
  }

  /**
   * The plaintext, or an exception naming the sender if the ciphertext does not authenticate under
   * this key and associated data (tampered, or made for another session, sender or receiver).
   */
  static byte[] open(byte[] key, byte[] aad, byte[] sealed, String from) {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"),
          new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
      cipher.updateAAD(aad);
      return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw new SecAggException("the share from '" + from + "' does not authenticate: it was tampered with"
          + " or belongs to another session, sender or receiver");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM decryption failed", e);
    }
  }

  static byte[] encodePayload(long x, long[] seedShare, long[] keyShare) {
    ByteBuffer buffer = ByteBuffer.allocate(PAYLOAD_BYTES);
    buffer.put(VERSION).putLong(x).putInt(Shamir.CHUNKS);
    for (long v : seedShare) {
      buffer.putLong(v);
    }
    for (long v : keyShare) {
      buffer.putLong(v);
    }
    return buffer.array();
  }

  /**
   * Decodes a payload into {@code seedShare} and {@code keyShare}, checking version, evaluation point
   * and field range.
   */
  static void decodePayload(byte[] payload, long expectedX, long[] seedShare, long[] keyShare, String from) {
    ByteBuffer buffer = ByteBuffer.wrap(payload);
    if (payload.length != PAYLOAD_BYTES || buffer.get() != VERSION) {
      throw new SecAggException("the share from '" + from + "' has an unknown format");
    }
    long x = buffer.getLong();
    int chunks = buffer.getInt();
    if (x != expectedX || chunks != Shamir.CHUNKS) {
      throw new SecAggException("the share from '" + from + "' is for evaluation point " + x
          + ", not mine (" + expectedX + ")");
    }
    for (int c = 0; c < chunks; c++) {
      seedShare[c] = buffer.getLong();
    }
    for (int c = 0; c < chunks; c++) {
      keyShare[c] = buffer.getLong();
    }
    if (!Shamir.inField(seedShare) || !Shamir.inField(keyShare)) {
      Arrays.fill(seedShare, 0);
      Arrays.fill(keyShare, 0);
      throw new SecAggException("the share from '" + from + "' holds values outside the field");
    }
  }
}
