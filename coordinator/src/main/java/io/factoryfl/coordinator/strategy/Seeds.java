package io.factoryfl.coordinator.strategy;

/** Derives independent seeds from a job seed, so each round and site gets its own stream. */
final class Seeds {
  private Seeds() {}

  static long mix(long seed, long a, long b) {
    return splitmix(splitmix(splitmix(seed) ^ a) ^ b);
  }

  private static long splitmix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
