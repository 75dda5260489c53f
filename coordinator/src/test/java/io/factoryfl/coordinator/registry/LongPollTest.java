package io.factoryfl.coordinator.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.factoryfl.proto.v1.Task;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Long polls parked without threads: each is answered once, and no task is lost on the way. */
class LongPollTest {
  private final ParticipantRegistry registry = new ParticipantRegistry(Clock.systemUTC(), Duration.ofSeconds(30));

  @AfterEach
  void close() {
    registry.close();
  }

  private static Task task(String id) {
    return Task.newBuilder().setTaskId(id).setDeadlineEpochMillis(System.currentTimeMillis() + 60_000).build();
  }

  private CompletableFuture<ParticipantRegistry.Delivery> poll(String site, Duration wait) {
    CompletableFuture<ParticipantRegistry.Delivery> reply = new CompletableFuture<>();
    registry.poll(site, wait, reply::complete);
    return reply;
  }

  @Test
  void aWaitingPoll_isAnsweredWhenATaskIsSent_andAnotherSitesPollKeepsWaiting() throws Exception {
    CompletableFuture<ParticipantRegistry.Delivery> a = poll("plant-a", Duration.ofMinutes(1));
    CompletableFuture<ParticipantRegistry.Delivery> b = poll("plant-b", Duration.ofMinutes(1));
    assertFalse(a.isDone());

    registry.send("plant-a", task("t1"));

    assertEquals("t1", a.get(5, TimeUnit.SECONDS).task().getTaskId());
    assertFalse(b.isDone());
  }

  @Test
  void aTaskAlreadyQueued_andReceipts_areAnsweredAtOnce() throws Exception {
    registry.send("plant-a", task("t1"));
    registry.sendReceipt("plant-a", "{\"receipt\": 1}");

    ParticipantRegistry.Delivery delivery = poll("plant-a", Duration.ofMinutes(1)).get(5, TimeUnit.SECONDS);

    assertEquals("t1", delivery.task().getTaskId());
    assertEquals(List.of("{\"receipt\": 1}"), delivery.receipts());
  }

  @Test
  void aPollWhoseWaitEnds_isAnsweredEmpty() throws Exception {
    ParticipantRegistry.Delivery delivery = poll("plant-a", Duration.ofMillis(50)).get(5, TimeUnit.SECONDS);

    assertNull(delivery.task());
    assertEquals(List.of(), delivery.receipts());
  }

  @Test
  void aNewerPollOfTheSameSite_endsTheOlderOne_andGetsTheTask() throws Exception {
    CompletableFuture<ParticipantRegistry.Delivery> older = poll("plant-a", Duration.ofMinutes(1));
    CompletableFuture<ParticipantRegistry.Delivery> newer = poll("plant-a", Duration.ofMinutes(1));
    assertNull(older.get(5, TimeUnit.SECONDS).task());

    registry.send("plant-a", task("t1"));

    assertEquals("t1", newer.get(5, TimeUnit.SECONDS).task().getTaskId());
  }

  @Test
  void aTaskTheCallerCouldNotTake_isKeptForItsNextPoll() throws Exception {
    registry.poll("plant-a", Duration.ofMinutes(1), delivery -> false); // the caller hung up meanwhile
    registry.send("plant-a", task("t1"));

    assertEquals("t1", poll("plant-a", Duration.ofMinutes(1)).get(5, TimeUnit.SECONDS).task().getTaskId());
  }

  @Test
  void aCancelledPoll_leavesTheTaskForTheNextOne() throws Exception {
    CompletableFuture<ParticipantRegistry.Delivery> gone = new CompletableFuture<>();
    registry.poll("plant-a", Duration.ofMinutes(1), gone::complete).run();
    registry.send("plant-a", task("t1"));

    assertFalse(gone.isDone());
    assertEquals("t1", poll("plant-a", Duration.ofMinutes(1)).get(5, TimeUnit.SECONDS).task().getTaskId());
  }

  @Test
  void closing_answersEveryWaitingPollEmpty() throws Exception {
    CompletableFuture<ParticipantRegistry.Delivery> a = poll("plant-a", Duration.ofMinutes(1));
    CompletableFuture<ParticipantRegistry.Delivery> b = poll("plant-b", Duration.ofMinutes(1));

    registry.close();

    assertNull(a.get(5, TimeUnit.SECONDS).task());
    assertNull(b.get(5, TimeUnit.SECONDS).task());
  }
}
