package io.factoryfl.coordinator.registry;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.proto.v1.Task;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A site is judged alive by the protocol: while its long poll is parked (an open call), or within
 * the grace after its last call. A waiting site needs no heartbeat, and the moment between two
 * polls never reads as silence.
 */
class LivenessTest {
  private static final Duration GRACE = Duration.ofSeconds(5);

  /** A clock the test moves by hand. */
  private static final class Hand extends Clock {
    private Instant now = Instant.parse("2026-12-02T08:00:00Z");

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private final Hand clock = new Hand();
  private final ParticipantRegistry registry = new ParticipantRegistry(clock, GRACE);

  @AfterEach
  void close() {
    registry.close();
  }

  @Test
  void aSiteWhosePollIsParked_staysAliveBeyondTheGrace_withoutAHeartbeat() {
    registry.register("plant-a", List.of("d"));
    registry.poll("plant-a", Duration.ofMinutes(10), delivery -> true);

    clock.advance(GRACE.multipliedBy(10));

    assertTrue(registry.isAlive("plant-a"));
  }

  @Test
  void aSiteWhosePollWasCancelled_isDroppedOnceTheGraceSinceItsLastCallRunsOut() {
    registry.register("plant-a", List.of("d"));
    Runnable cancel = registry.poll("plant-a", Duration.ofMinutes(10), delivery -> true);
    clock.advance(GRACE.multipliedBy(10));

    cancel.run(); // the connection went away

    assertFalse(registry.isAlive("plant-a"));
  }

  @Test
  void aPollAnsweredWithATask_startsTheGraceAgainFromTheAnswer() throws Exception {
    registry.register("plant-a", List.of("d"));
    CompletableFuture<ParticipantRegistry.Delivery> reply = new CompletableFuture<>();
    registry.poll("plant-a", Duration.ofMinutes(10), reply::complete);
    clock.advance(GRACE.multipliedBy(10));

    registry.send("plant-a", Task.newBuilder().setTaskId("t1")
        .setDeadlineEpochMillis(System.currentTimeMillis() + 60_000).build());
    reply.get(5, TimeUnit.SECONDS);

    assertTrue(registry.isAlive("plant-a"), "it was there until the task went out");
    clock.advance(GRACE.plusSeconds(1));
    assertFalse(registry.isAlive("plant-a"), "silent for longer than the grace while it works");
  }
}
