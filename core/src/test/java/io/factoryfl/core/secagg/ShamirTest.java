package io.factoryfl.core.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ShamirTest {
  private final SecureRandom random = new SecureRandom();

  @Test
  void combine_anyThresholdSubset_returnsTheSecret() {
    SplittableRandom pick = new SplittableRandom(1);
    for (int trial = 0; trial < 50; trial++) {
      int shares = 1 + pick.nextInt(60);
      int threshold = 1 + pick.nextInt(shares);
      byte[] secret = new byte[32];
      random.nextBytes(secret);
      long[] xs = new long[shares];
      for (int i = 0; i < shares; i++) {
        xs[i] = 1 + i * 3L + pick.nextInt(3);
      }
      long[][] ys = Shamir.split(secret, threshold, xs, random);
      int[] chosen = pick.ints(0, shares).distinct().limit(threshold).toArray();
      long[] subsetX = new long[threshold];
      long[][] subsetY = new long[threshold][];
      for (int j = 0; j < threshold; j++) {
        subsetX[j] = xs[chosen[j]];
        subsetY[j] = ys[chosen[j]];
      }
      assertArrayEquals(secret, Shamir.combine(Shamir.lagrangeAtZero(subsetX), subsetY), "trial " + trial);
    }
  }

  @Test
  void combine_belowThreshold_doesNotGiveTheSecret() {
    byte[] secret = new byte[32];
    Arrays.fill(secret, (byte) 7);
    long[] xs = {1, 2, 3, 4, 5};
    long[][] ys = Shamir.split(secret, 4, xs, random);
    long[][] three = Arrays.copyOf(ys, 3);
    byte[] guess;
    try {
      guess = Shamir.combine(Shamir.lagrangeAtZero(new long[] {1, 2, 3}), three);
    } catch (SecAggException outOfRange) {
      return; // most wrong reconstructions leave the chunk range: equally not the secret
    }
    assertFalse(Arrays.equals(secret, guess));
  }

  @Test
  void fieldArithmetic_inverseAndMultiplyAgree() {
    SplittableRandom pick = new SplittableRandom(2);
    for (int i = 0; i < 1000; i++) {
      long a = 1 + pick.nextLong(Shamir.P - 1);
      long b = pick.nextLong(Shamir.P);
      assertEquals(1, Shamir.mul(a, Shamir.inverse(a)));
      assertEquals(BigInteger.valueOf(a).multiply(BigInteger.valueOf(b))
          .mod(BigInteger.valueOf(Shamir.P)).longValueExact(), Shamir.mul(a, b));
    }
    assertEquals(0, Shamir.mul(Shamir.P - 1, 0));
    assertEquals(1, Shamir.mul(Shamir.P - 1, Shamir.P - 1));
  }

  @Test
  void chunks_roundTripEveryByteValue() {
    byte[] secret = new byte[32];
    for (int i = 0; i < 32; i++) {
      secret[i] = (byte) (0xff - i * 5);
    }
    long[] chunks = Shamir.toChunks(secret);
    assertEquals(5, chunks.length);
    for (long chunk : chunks) {
      assertEquals(0, chunk >>> 56);
    }
    assertArrayEquals(secret, Shamir.fromChunks(chunks));
  }
  @Test
  void consistent_acceptsEveryHonestSplitAndRefusesAnyOneChangedValue() {
    SplittableRandom pick = new SplittableRandom(4);
    for (int trial = 0; trial < 40; trial++) {
      int shares = 2 + pick.nextInt(40);
      int threshold = 1 + pick.nextInt(shares - 1);
      byte[] secret = new byte[32];
      random.nextBytes(secret);
      long[] xs = new long[shares];
      for (int i = 0; i < shares; i++) {
        xs[i] = 1 + i * 2L + pick.nextInt(2);
      }
      long[][] ys = Shamir.split(secret, threshold, xs, random);
      assertTrue(Shamir.consistent(xs, ys, threshold), "trial " + trial);
      int victim = pick.nextInt(shares);
      int chunk = pick.nextInt(Shamir.CHUNKS);
      ys[victim][chunk] = Shamir.add(ys[victim][chunk], 1 + pick.nextLong(Shamir.P - 1));
      assertFalse(Shamir.consistent(xs, ys, threshold), "trial " + trial + " changed share " + victim);
    }
  }

  @Test
  void batchInverse_matchesOneByOneInverses() {
    SplittableRandom pick = new SplittableRandom(6);
    long[] values = new long[50];
    for (int i = 0; i < values.length; i++) {
      values[i] = 1 + pick.nextLong(Shamir.P - 1);
    }
    long[] inverses = Shamir.batchInverse(values);
    for (int i = 0; i < values.length; i++) {
      assertEquals(Shamir.inverse(values[i]), inverses[i]);
    }
  }

  @Test
  void wipe_zeroesEveryShareOfASplit() {
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    long[][] ys = Shamir.split(secret, 3, new long[] {1, 2, 3, 4}, random);
    Shamir.wipe(ys);
    for (long[] share : ys) {
      assertArrayEquals(new long[Shamir.CHUNKS], share);
    }
    Shamir.wipe(null);
  }
}
