package io.factoryfl.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.testing.PostgresServer;
import io.factoryfl.coordinator.testing.PostgresServerExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An active and a standby coordinator on one real PostgreSQL database: who holds the lease, the
 * takeover when the holder stops renewing, and fencing of the deposed one's writes.
 */
@ExtendWith(PostgresServerExtension.class)
class CoordinatorLeaseTest {
  private final PostgresServer server;
  private String url;
  private PostgresStore active;
  private PostgresStore standby;

  CoordinatorLeaseTest(PostgresServer server) {
    this.server = server;
  }

  @BeforeEach
  void twoCoordinatorsOnOneDatabase() {
    url = server.createDatabase();
    active = PostgresStore.open(url);
    standby = PostgresStore.open(url);
  }

  @AfterEach
  void closeBoth() {
    active.close();
    standby.close();
  }

  /** Short times for the tests that do not measure: ttl 1 s, renewal every 200 ms, poll every 100 ms. */
  private static LeaseSettings quick(String holder) {
    return new LeaseSettings(holder, Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofMillis(100));
  }

  private static JobSubmission submission(String id) {
    return new JobSubmission(id, "n", "{}", "h", "engineer-1", Instant.ofEpochMilli(1));
  }

  /**
   * Renewals that run only when the test says so: left alone, the holder is frozen (a long GC
   * pause, a stopped VM) and believes it still holds the lease.
   */
  private static final class FrozenRenewals extends ScheduledThreadPoolExecutor {
    private volatile Runnable renewal;

    FrozenRenewals() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
      renewal = command;
      return super.schedule(() -> {}, 1, TimeUnit.DAYS);
    }

    void renewNow() {
      renewal.run();
    }
  }

  @Test
  void theFirstAcquires_andTheSecondWaits_whileTheFirstRenews() throws Exception {
    CoordinatorLease first = active.lease(quick("coordinator-a"));
    long token = first.acquire();
    CoordinatorLease second = standby.lease(quick("coordinator-b"));

    assertFalse(second.acquire(Duration.ofSeconds(3)), "three ttls pass, and the renewed lease stays taken");

    assertEquals(Optional.of(token), first.token());
    assertEquals(Optional.empty(), second.token());
    assertEquals("coordinator-a", second.current().orElseThrow().holder());
    assertFalse(first.lost().toCompletableFuture().isDone());
  }

  @Test
  void aStandby_cannotWrite() throws Exception {
    active.lease(quick("coordinator-a")).acquire();
    standby.lease(quick("coordinator-b"));
    active.create(submission("job-1"));

    FencedException e = assertThrows(FencedException.class, () -> standby.create(submission("job-2")));

    assertTrue(e.getMessage().startsWith("this coordinator (coordinator-b) does not hold the lease of the PostgreSQL"
        + " store " + url + " (coordinator-a holds it until "), e.getMessage());
    assertTrue(e.getMessage().endsWith("; it writes only while it holds the lease: cannot record job job-2"),
        e.getMessage());
    assertEquals(List.of("job-1"), standby.load().stream().map(j -> j.submission().jobId()).toList(),
        "a standby reads");
  }

  @Test
  void aFrozenHolder_isTakenOver_andItsWritesAreRefusedAndChangeNothing() throws Exception {
    FrozenRenewals frozen = new FrozenRenewals();
    CoordinatorLease first = active.lease(LeaseSettings.defaults("coordinator-a"), frozen, Clock.systemUTC());
    long token = first.acquire();
    JobCheckpoint running = JobCheckpoint.submitted().withState(JobCheckpoint.State.RUNNING, "round 1 of 3");
    active.create(submission("job-1"));
    active.save("job-1", running);
    active.appendEvent("job-1", 1, new byte[] {1});
    Instant lastRenewal = first.current().orElseThrow().expiresAt().minus(LeaseSettings.DEFAULT_TTL);
    CoordinatorLease second = standby.lease(LeaseSettings.defaults("coordinator-b"));

    long waitStarted = System.nanoTime();
    assertTrue(second.acquire(Duration.ofSeconds(60)), "the standby takes over once the lease expired");
    Duration waited = Duration.ofNanos(System.nanoTime() - waitStarted);
    CoordinatorLease.Holder now = second.current().orElseThrow();
    record(Duration.between(lastRenewal, now.acquiredAt()), waited);

    assertEquals(Optional.of(token + 1), second.token(), "each takeover adds one to the fencing token");
    assertEquals(Optional.of(token), first.token(), "the frozen holder has not noticed yet");
    FencedException save = assertThrows(FencedException.class, () -> active.save("job-1",
        running.withState(JobCheckpoint.State.FAILED, "deposed coordinator's write"), 1,
        Map.of("momentum", new float[] {9}), 0));
    assertTrue(save.getMessage().startsWith("this coordinator (coordinator-a) lost the lease to coordinator-b at "
        + now.acquiredAt() + " (taken over with fencing token " + (token + 1) + ", this coordinator had " + token
        + ") on the PostgreSQL store " + url + "; it stops writing: cannot save the checkpoint of job job-1."
        + " Nothing of it was written; coordinator-b runs the jobs now"), save.getMessage());
    assertThrows(FencedException.class, () -> active.appendEvent("job-1", 2, new byte[] {2}));
    assertThrows(FencedException.class, () -> active.create(submission("job-2")));

    List<StoredJob> jobs = standby.load();
    assertEquals(1, jobs.size());
    assertEquals(running, jobs.get(0).checkpoint());
    assertEquals(1, jobs.get(0).events().size());
    assertTrue(standby.arrays("job-1", 1).isEmpty());
    assertEquals("coordinator-b", first.lost().toCompletableFuture().getNow(null).takenOverBy());
    assertEquals(Optional.empty(), first.token());
    standby.appendEvent("job-1", 2, new byte[] {2});
    frozen.shutdownNow();
  }

  /** The takeover time with the default lease settings, for docs/durability.md. */
  private static void record(Duration sinceLastRenewal, Duration standbyWaited) throws IOException {
    String line = String.format("lease takeover (ttl %d s, renewal every %d s, poll every %d s): %d ms after the"
        + " holder's last renewal; the standby waited %d ms%n", LeaseSettings.DEFAULT_TTL.toSeconds(),
        LeaseSettings.DEFAULT_RENEW_EVERY.toSeconds(), LeaseSettings.DEFAULT_POLL_EVERY.toSeconds(),
        sinceLastRenewal.toMillis(), standbyWaited.toMillis());
    System.out.print(line);
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target", "lease-takeover.txt"), line, StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  @Test
  void aHolderWhoseRenewalFindsATakeover_reportsTheLoss() throws Exception {
    FrozenRenewals frozen = new FrozenRenewals();
    CoordinatorLease first = active.lease(quick("coordinator-a"), frozen, Clock.systemUTC());
    first.acquire();
    CoordinatorLease second = standby.lease(quick("coordinator-b"));
    assertTrue(second.acquire(Duration.ofSeconds(30)));

    frozen.renewNow();

    LeaseLoss loss = first.lost().toCompletableFuture().getNow(null);
    assertEquals("coordinator-b", loss.takenOverBy(), String.valueOf(loss));
    assertEquals(Optional.empty(), first.token());
    assertThrows(IllegalStateException.class, first::tryAcquire);
    assertThrows(FencedException.class, () -> active.create(submission("job-1")));
    frozen.shutdownNow();
  }

  @Test
  void closing_releasesTheLease_soTheStandbyTakesOverWithoutWaitingForTheTtl() throws Exception {
    CoordinatorLease first = active.lease(LeaseSettings.defaults("coordinator-a"));
    long token = first.acquire();
    CoordinatorLease second = standby.lease(LeaseSettings.defaults("coordinator-b"));
    assertFalse(second.tryAcquire());

    first.close();

    assertTrue(second.tryAcquire(), "the released lease is free at once, though its ttl is 10 s");
    assertEquals(Optional.of(token + 1), second.token());
    assertThrows(FencedException.class, () -> active.create(submission("job-1")));
    standby.create(submission("job-1"));
  }

  @Test
  void waitingForTheLease_canBeInterrupted() throws Exception {
    active.lease(quick("coordinator-a")).acquire();
    CoordinatorLease second = standby.lease(quick("coordinator-b"));
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    Thread waiting = new Thread(() -> {
      try {
        second.acquire();
        ended.complete(null);
      } catch (InterruptedException e) {
        ended.complete(e);
      }
    });
    waiting.start();

    waiting.interrupt();

    assertTrue(ended.get(30, TimeUnit.SECONDS) instanceof InterruptedException);
    assertEquals(Optional.empty(), second.token());
  }

  @Test
  void aHolderThatCannotRenewForATtl_losesTheLease() throws Exception {
    try (PostgresServer outage = PostgresServer.launch();
        PostgresStore store = PostgresStore.open(PostgresUrl.parse(outage.createDatabase()), Duration.ofSeconds(1))) {
      CoordinatorLease lease = store.lease(quick("coordinator-a"));
      lease.acquire();

      outage.stop();

      LeaseLoss loss = lease.lost().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertTrue(loss.reason().startsWith("no renewal succeeded for 1000 ms: "), loss.reason());
      assertEquals(null, loss.takenOverBy());
      outage.start();
      FencedException e = assertThrows(FencedException.class, () -> store.create(submission("job-1")));
      assertTrue(e.getMessage().startsWith("this coordinator (coordinator-a) lost the lease at "), e.getMessage());
    }
  }
}
