package io.factoryfl.coordinator.job;

import io.factoryfl.proto.v1.RoundEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The ordered events of one job. Watchers get every event from the first, then live ones, in
 * sequence order and each exactly once; an event is delivered to a watcher on one thread at a
 * time, so a gRPC stream observer may be used directly. Each event is written to the job's store
 * before anyone sees it, so a restarted coordinator replays the same events to its watchers.
 */
public final class JobEvents {
  /** Where each event is written before it is published: its sequence number and its bytes. */
  interface Store {
    void append(long sequence, byte[] event);
  }

  private final String jobId;
  private final Clock clock;
  private final Store store;
  private final List<RoundEvent> events;
  private final List<Consumer<RoundEvent>> watchers = new ArrayList<>();

  /**
   * @param stored the job's events so far, in sequence order from 1 (empty for a new job)
   */
  JobEvents(String jobId, Clock clock, Store store, List<RoundEvent> stored) {
    this.jobId = jobId;
    this.clock = clock;
    this.store = store;
    this.events = new ArrayList<>(stored);
  }

  /**
   * Stamps the event with the job id, the next sequence number and the time, writes it to the
   * store, and publishes it.
   *
   * @throws io.factoryfl.coordinator.store.StoreException if the store cannot take it (nothing is
   *     published then)
   */
  synchronized RoundEvent publish(int round, RoundEvent.Builder event) {
    RoundEvent stamped = event.setJobId(jobId).setSequence(events.size() + 1L).setRound(round)
        .setEpochMillis(clock.millis()).build();
    store.append(stamped.getSequence(), stamped.toByteArray());
    events.add(stamped);
    for (Consumer<RoundEvent> watcher : List.copyOf(watchers)) {
      watcher.accept(stamped);
    }
    return stamped;
  }

  /**
   * Replays all events so far to the watcher and registers it for the rest.
   *
   * @return an action that stops the watch
   */
  public synchronized Runnable watch(Consumer<RoundEvent> watcher) {
    for (RoundEvent event : events) {
      watcher.accept(event);
    }
    watchers.add(watcher);
    return () -> unwatch(watcher);
  }

  private synchronized void unwatch(Consumer<RoundEvent> watcher) {
    watchers.remove(watcher);
  }

  public synchronized List<RoundEvent> all() {
    return List.copyOf(events);
  }
}
