package io.factoryfl.coordinator.registry;

import io.factoryfl.proto.v1.Task;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The federation's participants: who is connected, what datasets they offer, whether they are
 * still alive, and the mailbox of tasks waiting for each of them.
 *
 * <p>Mailboxes are keyed by participant identity, not by session, so a participant that
 * reconnects picks up the tasks addressed to it. A participant is alive while it has called within
 * the grace period; its heartbeat keeps it alive while it trains.
 */
public final class ParticipantRegistry {
  private final Clock clock;
  private final Duration grace;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Entry> byId = new HashMap<>();
  private final Map<String, String> sessionOwner = new HashMap<>();
  private boolean closed;

  private static final class Entry {
    ParticipantInfo info;
    String sessionId;
    Instant lastSeen;
    final Deque<Task> mailbox = new ArrayDeque<>();
    final Deque<String> receipts = new ArrayDeque<>();
  }

  /** What one poll hands a participant: its next task (or none) and any receipts waiting. */
  public record Delivery(Task task, List<String> receipts) {
    public Delivery {
      receipts = List.copyOf(receipts);
    }
  }

  public ParticipantRegistry(Clock clock, Duration heartbeatGrace) {
    this.clock = clock;
    this.grace = heartbeatGrace;
  }

  public Duration heartbeatGrace() {
    return grace;
  }

  /** Opens a new session for a participant, replacing any earlier session of the same identity. */
  public synchronized String register(String participantId, List<String> datasets) {
    Entry entry = byId.computeIfAbsent(participantId, id -> new Entry());
    if (entry.sessionId != null) {
      sessionOwner.remove(entry.sessionId);
    }
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    String sessionId = HexFormat.of().formatHex(bytes);
    entry.sessionId = sessionId;
    entry.info = new ParticipantInfo(participantId, datasets, clock.instant());
    entry.lastSeen = clock.instant();
    sessionOwner.put(sessionId, participantId);
    notifyAll();
    return sessionId;
  }

  /**
   * Checks that the session exists and belongs to the caller, and marks the caller alive.
   *
   * @throws UnknownSessionException naming what was wrong and that the caller must register again
   */
  public synchronized void touch(String sessionId, String callerId) {
    String owner = sessionOwner.get(sessionId);
    if (owner == null) {
      throw new UnknownSessionException(
          "session '" + sessionId + "' is not open (the coordinator may have restarted);"
              + " call Register to open a new one");
    }
    if (!owner.equals(callerId)) {
      throw new UnknownSessionException(
          "session '" + sessionId + "' belongs to another participant than '" + callerId + "'");
    }
    byId.get(owner).lastSeen = clock.instant();
  }

  public synchronized boolean isAlive(String participantId) {
    Entry entry = byId.get(participantId);
    return entry != null && entry.sessionId != null
        && Duration.between(entry.lastSeen, clock.instant()).compareTo(grace) <= 0;
  }

  /** Every participant that ever registered, in identity order. */
  public synchronized List<ParticipantInfo> all() {
    List<ParticipantInfo> result = new ArrayList<>();
    for (Entry entry : byId.values()) {
      if (entry.info != null) {
        result.add(entry.info);
      }
    }
    result.sort(Comparator.comparing(ParticipantInfo::id));
    return result;
  }

  /** Live participants offering the dataset, in identity order (so sampling is reproducible). */
  public synchronized List<ParticipantInfo> available(String dataset) {
    List<ParticipantInfo> result = new ArrayList<>();
    for (Entry entry : byId.values()) {
      if (entry.info != null && entry.info.offers(dataset) && isAlive(entry.info.id())) {
        result.add(entry.info);
      }
    }
    result.sort(Comparator.comparing(ParticipantInfo::id));
    return result;
  }

  /**
   * Waits until at least {@code count} live participants offer the dataset.
   *
   * @return the participants available when the wait ended (possibly fewer than asked for)
   */
  public synchronized List<ParticipantInfo> awaitAvailable(String dataset, int count, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<ParticipantInfo> now = available(dataset);
      long left = deadline - System.nanoTime();
      if (now.size() >= count || left <= 0) {
        return now;
      }
      // Liveness changes with time alone, so re-check at least every half second.
      wait(Math.max(1, Math.min(500, left / 1_000_000)));
    }
  }

  /**
   * Waits until every one of {@code ids} is alive (after a coordinator restart its sites reconnect
   * by themselves), or until {@code timeout}.
   *
   * @return whether all of them are alive
   */
  public synchronized boolean awaitAlive(java.util.Collection<String> ids, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean all = ids.stream().allMatch(this::isAlive);
      long left = deadline - System.nanoTime();
      if (all || left <= 0) {
        return all;
      }
      wait(Math.max(1, Math.min(500, left / 1_000_000)));
    }
  }

  /** Ends every long poll now (they return no task), so the server can shut down cleanly. */
  public synchronized void close() {
    closed = true;
    notifyAll();
  }

  /** Queues a task for a participant. */
  public synchronized void send(String participantId, Task task) {
    byId.computeIfAbsent(participantId, id -> new Entry()).mailbox.addLast(task);
    notifyAll();
  }

  /** Queues a signed receipt (one JSON line) for a participant's next poll. */
  public synchronized void sendReceipt(String participantId, String receipt) {
    byId.computeIfAbsent(participantId, id -> new Entry()).receipts.addLast(receipt);
    notifyAll();
  }

  /**
   * Takes the next task for a participant, and its waiting receipts, waiting up to {@code wait}
   * for either. Tasks whose deadline has passed are discarded: the round that sent them has moved
   * on.
   *
   * @return the delivery; its task is null when the wait ended without one
   */
  public synchronized Delivery take(String participantId, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    Entry entry = byId.computeIfAbsent(participantId, id -> new Entry());
    while (true) {
      Task task = null;
      Task next;
      while (task == null && (next = entry.mailbox.pollFirst()) != null) {
        if (next.getDeadlineEpochMillis() > clock.millis()) {
          task = next;
        }
      }
      long left = deadline - System.nanoTime();
      if (task != null || !entry.receipts.isEmpty() || left <= 0 || closed) {
        List<String> receipts = new ArrayList<>(entry.receipts);
        entry.receipts.clear();
        return new Delivery(task, receipts);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }
}
