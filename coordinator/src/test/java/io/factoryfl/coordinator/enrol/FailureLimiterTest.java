package io.factoryfl.coordinator.enrol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.server.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FailureLimiterTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T12:00:00Z"));
  private final FailureLimiter limiter = new FailureLimiter(FailureLimiter.Limit.DEFAULT, clock);

  @Test
  void fiveFailures_passThenTheSixthAttemptWaitsOneRefill() {
    for (int i = 0; i < 5; i++) {
      assertEquals(Optional.empty(), limiter.waitFor("192.0.2.7"), "attempt " + (i + 1));
      limiter.failed("192.0.2.7");
    }

    assertEquals(Optional.of(Duration.ofSeconds(12)), limiter.waitFor("192.0.2.7"));
  }

  @Test
  void waitShrinksWithTime_andOneMoreFailureIsAllowedAfterIt() {
    failTimes("192.0.2.7", 5);
    clock.advance(Duration.ofSeconds(5));
    assertEquals(Optional.of(Duration.ofSeconds(7)), limiter.waitFor("192.0.2.7"));

    clock.advance(Duration.ofSeconds(7));
    assertEquals(Optional.empty(), limiter.waitFor("192.0.2.7"));
    limiter.failed("192.0.2.7");
    assertEquals(Optional.of(Duration.ofSeconds(12)), limiter.waitFor("192.0.2.7"));
  }

  @Test
  void sustainedFailures_areHeldToFivePerMinute() {
    int checked = 0;
    for (int second = 0; second < 600; second++) {
      if (limiter.waitFor("192.0.2.7").isEmpty()) {
        limiter.failed("192.0.2.7");
        checked++;
      }
      clock.advance(Duration.ofSeconds(1));
    }

    // 5 at once, then one every 12 s over the remaining ten minutes
    assertEquals(5 + 49, checked);
  }

  @Test
  void keysAreIndependent() {
    failTimes("192.0.2.7", 5);

    assertEquals(Optional.empty(), limiter.waitFor("192.0.2.8"));
    assertTrue(limiter.waitFor("192.0.2.7").isPresent());
  }

  @Test
  void aKeyIsForgottenOnceItsBucketIsFull() {
    failTimes("192.0.2.7", 3);
    assertEquals(1, limiter.tracked());

    clock.advance(Duration.ofSeconds(36));
    limiter.waitFor("192.0.2.7");

    assertEquals(0, limiter.tracked());
  }

  @Test
  void trackedKeysAreCapped_evictingTheLeastRecent() {
    FailureLimiter small = new FailureLimiter(
        new FailureLimiter.Limit(1, Duration.ofMinutes(1), 3), clock);
    for (String key : new String[] {"a", "b", "c", "d"}) {
      small.failed(key);
    }

    assertEquals(3, small.tracked());
    assertEquals(Optional.empty(), small.waitFor("a"), "evicted, so it starts afresh");
    assertTrue(small.waitFor("d").isPresent());
  }

  @Test
  void limit_refusesNonsense() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new FailureLimiter.Limit(0, Duration.ofSeconds(12), 10));
    assertEquals("burst must be at least 1, got 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new FailureLimiter.Limit(5, Duration.ZERO, 10));
    assertEquals("refillEvery must be positive, got PT0S", e.getMessage());
  }

  @Test
  void limit_describesItselfForUsers() {
    assertEquals("5 failed attempts per 60 s", FailureLimiter.Limit.DEFAULT.toString());
  }

  private void failTimes(String key, int times) {
    for (int i = 0; i < times; i++) {
      limiter.failed(key);
    }
  }
}
