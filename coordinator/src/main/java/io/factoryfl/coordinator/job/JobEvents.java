package io.factoryfl.coordinator.job;

import io.factoryfl.proto.v1.RoundEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The ordered events of one job. Watchers get every event from the first, then live ones, in
 * sequence order and each exactly once; an event is delivered to a watcher on one thread at a
 * time, so a gRPC stream observer may be used directly.
 */
public final class JobEvents {
  private final String jobId;
  private final Clock clock;
  private final List<RoundEvent> events = new ArrayList<>();
  private final List<Consumer<RoundEvent>> watchers = new ArrayList<>();

  JobEvents(String jobId, Clock clock) {
    this.jobId = jobId;
    this.clock = clock;
  }

  /** Stamps the event with the job id, the next sequence number and the time, and publishes it. */
  synchronized RoundEvent publish(int round, RoundEvent.Builder event) {
    RoundEvent stamped = event.setJobId(jobId).setSequence(events.size() + 1L).setRound(round)
        .setEpochMillis(clock.millis()).build();
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
