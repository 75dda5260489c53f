package io.factoryfl.core.secagg;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Expands a 32-byte mask key into a vector of 32-bit words with AES-256 in counter mode and adds it
 * to (or subtracts it from) an accumulator in place, modulo 2^32. The words are the keystream (the
 * encryption of zeros) read as little-endian ints.
 *
 * <p>Security: AES-256-CTR is a PRG on its key; every mask key is derived with HKDF from a fresh
 * per-round secret, the session id and the pair or participant it belongs to, so a key is used for
 * exactly one stream and the all-zero initial counter never repeats under one key. Nothing here is a
 * non-cryptographic generator and no seed is shorter than 32 bytes.
 *
 * <p>Speed: the keystream is produced in calls of at most 64 KiB into a reused buffer, which keeps
 * the JDK's AES-NI counter-mode intrinsic on its fast path without allocating, and no per-peer vector
 * is ever materialised. Not thread-safe: one instance per thread.
 */
final class MaskStream {
  static final int CHUNK_BYTES = 64 * 1024;
  private static final int CHUNK_WORDS = CHUNK_BYTES / 4;
  private static final IvParameterSpec ZERO_COUNTER = new IvParameterSpec(new byte[16]);

  private final Cipher cipher;
  private final byte[] zeros = new byte[CHUNK_BYTES];
  private final byte[] keystream = new byte[CHUNK_BYTES];
  private final IntBuffer words = ByteBuffer.wrap(keystream).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
  private final int[] chunk = new int[CHUNK_WORDS];

  MaskStream() {
    try {
      cipher = Cipher.getInstance("AES/CTR/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK provides no AES/CTR/NoPadding", e);
    }
  }

  /** {@code accumulator += mask(key)} (or {@code -=} when {@code subtract}), modulo 2^32. */
  void apply(byte[] key, int[] accumulator, boolean subtract) {
    try {
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), ZERO_COUNTER);
      for (int offset = 0; offset < accumulator.length; offset += CHUNK_WORDS) {
        int count = Math.min(CHUNK_WORDS, accumulator.length - offset);
        cipher.update(zeros, 0, count * 4, keystream, 0);
        words.get(0, chunk, 0, count);
        if (subtract) {
          for (int i = 0; i < count; i++) {
            accumulator[offset + i] -= chunk[i];
          }
        } else {
          for (int i = 0; i < count; i++) {
            accumulator[offset + i] += chunk[i];
          }
        }
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-CTR failed on a 32-byte key", e);
    }
  }

  /** Zeroes the last keystream chunk, which is mask material. */
  void wipe() {
    Arrays.fill(keystream, (byte) 0);
    Arrays.fill(chunk, 0);
  }
}
