package io.factoryfl.participant.session;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.random.RandomGenerator;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The stochastic-rounding source of one masked input: an AES-256-CTR keystream under a fresh
 * 32-byte key from the site's own {@link SecureRandom} (a counter-mode generator, as in NIST's
 * CTR_DRBG without reseeding, for at most a few MB of output). The coordinator cannot know or choose
 * the rounding, unlike a generator seeded with the task's seed, so two runs of the same training
 * never encode to the same words. Per-call {@code SecureRandom.nextDouble} costs about 0.25 us a
 * coordinate here; the keystream is read in 4 KiB blocks at a few ns. Not thread-safe; {@link
 * #close} zeroes the key material.
 */
final class RoundingRandom implements RandomGenerator, AutoCloseable {
  private static final int BLOCK_BYTES = 4096;

  private final Cipher cipher;
  private final byte[] zeros = new byte[BLOCK_BYTES];
  private final byte[] block = new byte[BLOCK_BYTES];
  private final ByteBuffer view = ByteBuffer.wrap(block);

  RoundingRandom(SecureRandom random) {
    byte[] key = new byte[32];
    random.nextBytes(key);
    try {
      cipher = Cipher.getInstance("AES/CTR/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK provides no AES/CTR/NoPadding", e);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
    view.position(BLOCK_BYTES);
  }

  @Override
  public long nextLong() {
    if (view.remaining() < Long.BYTES) {
      try {
        cipher.update(zeros, 0, BLOCK_BYTES, block, 0);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("AES-CTR failed", e);
      }
      view.clear();
    }
    return view.getLong();
  }

  @Override
  public void close() {
    Arrays.fill(block, (byte) 0);
    view.position(BLOCK_BYTES);
  }
}
