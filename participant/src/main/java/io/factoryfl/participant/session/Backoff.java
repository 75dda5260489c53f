package io.factoryfl.participant.session;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter for reconnecting to the coordinator: after the k-th
 * consecutive failure wait a random time in [0, min(max, initial * 2^k)], so that a whole plant
 * floor of participants does not reconnect in lockstep after a coordinator restart.
 */
final class Backoff {
  private final Duration initial;
  private final Duration max;
  private final RandomGenerator random;
  private int failures;

  Backoff(Duration initial, Duration max, RandomGenerator random) {
    this.initial = initial;
    this.max = max;
    this.random = random;
  }

  Duration next() {
    long ceiling = Math.min(max.toMillis(), initial.toMillis() << Math.min(failures, 20));
    failures++;
    return Duration.ofMillis(Math.max(initial.toMillis() / 2, random.nextLong(ceiling + 1)));
  }

  void reset() {
    failures = 0;
  }
}
