package io.factoryfl.core.secagg;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Shamir secret sharing over the prime field GF(2^61 - 1). A 32-byte secret is cut into 7-byte
 * (56-bit) big-endian chunks, each below the modulus, and each chunk gets its own random polynomial
 * of degree {@code threshold - 1}; a share is the vector of the polynomials' values at one
 * evaluation point {@code x} (a cohort index + 1, never 0). Any {@code threshold} shares give back
 * the secret by Lagrange interpolation at 0; fewer reveal nothing about it.
 *
 * <p>Arithmetic uses the Mersenne form: {@code 2^61 = 1 (mod p)}, so a 122-bit product folds with
 * shifts and adds. Coefficients are drawn uniformly from [0, p) by rejection.
 */
final class Shamir {
  static final long P = (1L << 61) - 1;
  static final int CHUNK_BYTES = 7;
  static final int SECRET_BYTES = 32;
  /** Chunks of a 32-byte secret: 5 (the last holds 4 bytes). */
  static final int CHUNKS = (SECRET_BYTES + CHUNK_BYTES - 1) / CHUNK_BYTES;

  private Shamir() {}

  /**
   * Shares of {@code secret} for evaluation points {@code xs}: {@code result[i][c]} is chunk c's
   * polynomial at {@code xs[i]}.
   */
  static long[][] split(byte[] secret, int threshold, long[] xs, SecureRandom random) {
    if (secret.length != SECRET_BYTES) {
      throw new IllegalArgumentException("secret must be " + SECRET_BYTES + " bytes, got " + secret.length);
    }
    if (threshold < 1 || threshold > xs.length) {
      throw new IllegalArgumentException("threshold " + threshold + " must be from 1 to the " + xs.length + " shares");
    }
    long[] chunks = toChunks(secret);
    long[][] shares = new long[xs.length][CHUNKS];
    long[] coefficients = new long[threshold];
    // All random coefficients in one draw: a SecureRandom call has a fixed cost that would
    // otherwise dominate splitting (about 2 x 5 x t calls per participant and round).
    byte[] randomness = new byte[8 * (threshold - 1) * CHUNKS];
    random.nextBytes(randomness);
    ByteBuffer draws = ByteBuffer.wrap(randomness);
    try {
      for (int c = 0; c < CHUNKS; c++) {
        coefficients[0] = chunks[c];
        for (int j = 1; j < threshold; j++) {
          long candidate = draws.getLong() >>> 3;
          coefficients[j] = candidate < P ? candidate : uniform(random);
        }
        for (int i = 0; i < xs.length; i++) {
          long x = xs[i];
          long y = 0;
          for (int j = threshold - 1; j >= 0; j--) {
            y = add(mul(y, x), coefficients[j]);
          }
          shares[i][c] = y;
        }
      }
      return shares;
    } finally {
      Arrays.fill(chunks, 0);
      Arrays.fill(coefficients, 0);
      Arrays.fill(randomness, (byte) 0);
    }
  }

  /**
   * The Lagrange coefficients at 0 for distinct nonzero points {@code xs}: {@code secret = sum
   * lambda[j] * y[j]}. O(t^2) multiplications and t inversions; callers cache them per point set.
   */
  static long[] lagrangeAtZero(long[] xs) {
    int t = xs.length;
    long[] lambda = new long[t];
    for (int j = 0; j < t; j++) {
      long numerator = 1;
      long denominator = 1;
      for (int m = 0; m < t; m++) {
        if (m != j) {
          numerator = mul(numerator, xs[m]);
          denominator = mul(denominator, sub(xs[m], xs[j]));
        }
      }
      if (denominator == 0) {
        throw new IllegalArgumentException("evaluation points are not distinct: " + Arrays.toString(xs));
      }
      lambda[j] = mul(numerator, inverse(denominator));
    }
    return lambda;
  }

  /**
   * The secret from {@code ys[j]} (share vectors) at the points whose Lagrange coefficients are
   * {@code lambda}.
   *
   * @throws SecAggException if a chunk is out of range, which means a share was wrong
   */
  static byte[] combine(long[] lambda, long[][] ys) {
    long[] chunks = new long[CHUNKS];
    try {
      for (int c = 0; c < CHUNKS; c++) {
        long value = 0;
        for (int j = 0; j < lambda.length; j++) {
          value = add(value, mul(lambda[j], ys[j][c]));
        }
        chunks[c] = value;
      }
      return fromChunks(chunks);
    } finally {
      Arrays.fill(chunks, 0);
    }
  }

  /**
   * Whether the shares {@code (xs[i], ys[i])} of every chunk lie on one polynomial of degree below
   * {@code threshold}: the polynomial through the first {@code threshold} points is evaluated at
   * each further point (barycentric Lagrange form, one batched inversion), O(threshold x extra)
   * multiplications. Always true for at most {@code threshold} shares.
   */
  static boolean consistent(long[] xs, long[][] ys, int threshold) {
    int t = threshold;
    int extra = xs.length - t;
    if (extra <= 0) {
      return true;
    }
    // Barycentric weights of the base points: w_j = 1 / prod_{m != j} (x_j - x_m).
    long[] denominators = new long[t];
    for (int j = 0; j < t; j++) {
      long d = 1;
      for (int m = 0; m < t; m++) {
        if (m != j) {
          d = mul(d, sub(xs[j], xs[m]));
        }
      }
      denominators[j] = d;
    }
    // Differences z - x_j for every extra point z, inverted together with the denominators.
    long[] values = new long[t + extra * t];
    System.arraycopy(denominators, 0, values, 0, t);
    for (int e = 0; e < extra; e++) {
      long z = xs[t + e];
      for (int j = 0; j < t; j++) {
        values[t + e * t + j] = sub(z, xs[j]);
      }
    }
    long[] inverses = batchInverse(values);
    long[] basis = new long[t];
    for (int e = 0; e < extra; e++) {
      int offset = t + e * t;
      long whole = 1;
      for (int j = 0; j < t; j++) {
        whole = mul(whole, values[offset + j]);
      }
      // l_j(z) = prod_m (z - x_m) * w_j / (z - x_j)
      for (int j = 0; j < t; j++) {
        basis[j] = mul(mul(whole, inverses[j]), inverses[offset + j]);
      }
      long[] share = ys[t + e];
      for (int c = 0; c < share.length; c++) {
        long predicted = 0;
        for (int j = 0; j < t; j++) {
          predicted = add(predicted, mul(basis[j], ys[j][c]));
        }
        if (predicted != share[c]) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * The inverses of nonzero field elements with one exponentiation (Montgomery's trick).
   *
   * @throws IllegalArgumentException if a value is zero (points not distinct)
   */
  static long[] batchInverse(long[] values) {
    long[] prefix = new long[values.length];
    long running = 1;
    for (int i = 0; i < values.length; i++) {
      if (values[i] == 0) {
        throw new IllegalArgumentException("evaluation points are not distinct");
      }
      prefix[i] = running;
      running = mul(running, values[i]);
    }
    long inverse = inverse(running);
    long[] out = new long[values.length];
    for (int i = values.length - 1; i >= 0; i--) {
      out[i] = mul(inverse, prefix[i]);
      inverse = mul(inverse, values[i]);
    }
    return out;
  }

  /** Zeroes every share vector; for a split whose shares are abandoned half-way. */
  static void wipe(long[][] shares) {
    if (shares != null) {
      for (long[] share : shares) {
        Arrays.fill(share, 0);
      }
    }
  }

  static long[] toChunks(byte[] secret) {
    long[] chunks = new long[CHUNKS];
    for (int i = 0; i < secret.length; i++) {
      chunks[i / CHUNK_BYTES] = (chunks[i / CHUNK_BYTES] << 8) | (secret[i] & 0xff);
    }
    return chunks;
  }

  static byte[] fromChunks(long[] chunks) {
    byte[] secret = new byte[SECRET_BYTES];
    for (int c = 0; c < CHUNKS; c++) {
      int start = c * CHUNK_BYTES;
      int length = Math.min(CHUNK_BYTES, SECRET_BYTES - start);
      if ((chunks[c] >>> (8 * length)) != 0) {
        Arrays.fill(secret, (byte) 0);
        throw new SecAggException("reconstructed secret chunk " + c + " is out of range; a revealed share was wrong");
      }
      for (int b = length - 1; b >= 0; b--) {
        secret[start + b] = (byte) (chunks[c] >>> (8 * (length - 1 - b)));
      }
    }
    return secret;
  }

  static long uniform(SecureRandom random) {
    while (true) {
      long candidate = random.nextLong() >>> 3;
      if (candidate < P) {
        return candidate;
      }
    }
  }

  static long add(long a, long b) {
    long s = a + b;
    return s >= P ? s - P : s;
  }

  static long sub(long a, long b) {
    long d = a - b;
    return d < 0 ? d + P : d;
  }

  static long mul(long a, long b) {
    long high = Math.multiplyHigh(a, b);
    long low = a * b;
    long folded = (low & P) + (low >>> 61) + (high << 3);
    folded = (folded & P) + (folded >>> 61);
    return folded >= P ? folded - P : folded;
  }

  /** a^(p-2) mod p, for a != 0. */
  static long inverse(long a) {
    long result = 1;
    long base = a;
    long exponent = P - 2;
    while (exponent > 0) {
      if ((exponent & 1) == 1) {
        result = mul(result, base);
      }
      base = mul(base, base);
      exponent >>>= 1;
    }
    return result;
  }

  /** Whether every value is a field element. */
  static boolean inField(long[] values) {
    for (long v : values) {
      if (v < 0 || v >= P) {
        return false;
      }
    }
    return true;
  }
}
