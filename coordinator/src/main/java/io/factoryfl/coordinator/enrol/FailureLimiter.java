package io.factoryfl.coordinator.enrol;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Counts failed attempts per key (a peer address, a claimed site name) and says when a key has
 * failed too often: a token bucket of {@link Limit#burst()} failures that refills one failure
 * every {@link Limit#refillEvery()}. With the default, 5 failures pass at once, then one more
 * every 12 s, so at most 5 failures a minute are ever checked. Successes cost nothing and are
 * never slowed.
 *
 * <p>Each key keeps one instant, the time at which its bucket would be full again (the
 * "theoretical arrival time" of the generic cell rate algorithm); a key whose bucket is full is
 * forgotten. At most {@link Limit#maxKeys()} keys are tracked: the least recently failed is
 * evicted first, so memory stays bounded however many addresses an attacker uses. Time comes
 * from the injected {@link Clock}. Thread-safe.
 */
final class FailureLimiter {

  /**
   * How many failures a key may have.
   *
   * @param burst failures allowed back to back before the key is refused; positive
   * @param refillEvery after this much time one more failure is allowed; positive
   * @param maxKeys the most keys tracked at once; positive
   */
  record Limit(int burst, Duration refillEvery, int maxKeys) {
    /** 5 failures a minute per key, at most 10,000 keys (about 1 MB). */
    static final Limit DEFAULT = new Limit(5, Duration.ofSeconds(12), 10_000);

    Limit {
      if (burst < 1) {
        throw new IllegalArgumentException("burst must be at least 1, got " + burst);
      }
      Objects.requireNonNull(refillEvery, "refillEvery");
      if (refillEvery.isNegative() || refillEvery.isZero()) {
        throw new IllegalArgumentException("refillEvery must be positive, got " + refillEvery);
      }
      if (maxKeys < 1) {
        throw new IllegalArgumentException("maxKeys must be at least 1, got " + maxKeys);
      }
    }

    /** The span in which {@link #burst()} failures are allowed: burst x refillEvery. */
    Duration window() {
      return refillEvery.multipliedBy(burst);
    }

    @Override
    public String toString() {
      return burst + " failed attempts per " + seconds(window());
    }
  }

  /** {@code d} in whole seconds, rounded up, e.g. "12 s". */
  static String seconds(Duration d) {
    long s = d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
    return s + " s";
  }

  private final Limit limit;
  private final Clock clock;
  /** Key -> when its bucket is full again. Access order: the eldest is the least recent. */
  private final LinkedHashMap<String, Instant> fullAt;

  FailureLimiter(Limit limit, Clock clock) {
    this.limit = Objects.requireNonNull(limit, "limit");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.fullAt = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
        return size() > limit.maxKeys();
      }
    };
  }

  Limit limit() {
    return limit;
  }

  /**
   * How long {@code key} must wait before its next attempt is checked, or empty if it may try
   * now. Asking does not count as an attempt.
   */
  synchronized Optional<Duration> waitFor(String key) {
    Instant full = fullAt.get(Objects.requireNonNull(key, "key"));
    if (full == null) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    // refused while one more failure would overflow the bucket
    Duration wait = Duration.between(now, full).minus(limit.window().minus(limit.refillEvery()));
    if (!full.isAfter(now)) {
      fullAt.remove(key);
    }
    return wait.isNegative() || wait.isZero() ? Optional.empty() : Optional.of(wait);
  }

  /** Counts one failed attempt of {@code key}. */
  synchronized void failed(String key) {
    Instant now = clock.instant();
    Instant full = fullAt.get(Objects.requireNonNull(key, "key"));
    Instant from = full == null || full.isBefore(now) ? now : full;
    fullAt.put(key, from.plus(limit.refillEvery()));
  }

  /** How many keys are tracked now. */
  synchronized int tracked() {
    return fullAt.size();
  }

  @Override
  public String toString() {
    return "FailureLimiter[" + limit + "]";
  }
}
