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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * The federation's participants: who is connected, what datasets they offer, whether they are
 * still alive, and the mailbox of tasks waiting for each of them.
 *
 * <p>Mailboxes are keyed by participant identity, not by session, so a participant that
 * reconnects picks up the tasks addressed to it. A participant is alive while its long poll is
 * parked here (an open call on a live connection: gRPC cancels it when the connection goes) or
 * while it has called within the grace period; its heartbeat keeps it alive while it trains. So a
 * site waiting for work costs no heartbeat traffic, and a loaded site is judged by its calls, not
 * by how fast it answers.
 */
public final class ParticipantRegistry {
  private final Clock clock;
  private final Duration grace;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Entry> byId = new HashMap<>();
  private final Map<String, String> sessionOwner = new HashMap<>();
  private boolean closed;

  /** Ends parked long polls when their wait is over: one thread for every waiting participant. */
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "factoryfl-long-polls");
    thread.setDaemon(true);
    return thread;
  });

  private static final class Entry {
    ParticipantInfo info;
    String sessionId;
    Instant lastSeen;
    final Deque<Task> mailbox = new ArrayDeque<>();
    final Deque<String> receipts = new ArrayDeque<>();
    /** The participant's long poll waiting for a task or receipt, if any. */
    LongPoll waiting;
  }

  /** A long poll parked without a thread: completed once, by a delivery, its wait's end, or close. */
  private static final class LongPoll {
    final Predicate<Delivery> reply;
    final AtomicBoolean done = new AtomicBoolean();
    volatile ScheduledFuture<?> timeout;

    LongPoll(Predicate<Delivery> reply) {
      this.reply = reply;
    }

    /** Hands {@code delivery} over; false if it was completed before or the caller is gone. */
    boolean complete(Delivery delivery) {
      if (!done.compareAndSet(false, true)) {
        return false;
      }
      ScheduledFuture<?> pending = timeout;
      if (pending != null) {
        pending.cancel(false);
      }
      return reply.test(delivery);
    }
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
    return entry != null && entry.sessionId != null && (entry.waiting != null
        || Duration.between(entry.lastSeen, clock.instant()).compareTo(grace) <= 0);
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
  public void close() {
    List<LongPoll> waiting = new ArrayList<>();
    synchronized (this) {
      closed = true;
      for (Entry entry : byId.values()) {
        if (entry.waiting != null) {
          waiting.add(entry.waiting);
          entry.waiting = null;
        }
      }
      notifyAll();
    }
    waiting.forEach(poll -> poll.complete(new Delivery(null, List.of())));
    timer.shutdownNow();
  }

  /** Queues a task for a participant, handing it to its waiting poll if there is one. */
  public void send(String participantId, Task task) {
    synchronized (this) {
      byId.computeIfAbsent(participantId, id -> new Entry()).mailbox.addLast(task);
      notifyAll();
    }
    wake(participantId);
  }

  /** Queues a signed receipt (one JSON line) for a participant's next poll. */
  public void sendReceipt(String participantId, String receipt) {
    synchronized (this) {
      byId.computeIfAbsent(participantId, id -> new Entry()).receipts.addLast(receipt);
      notifyAll();
    }
    wake(participantId);
  }

  /**
   * A participant's long poll: {@code reply} gets its next task (tasks whose deadline has passed
   * are discarded: the round that sent them has moved on) and its waiting receipts, at once if
   * there are any, else as soon as one is sent within {@code wait}, else an empty delivery when the
   * wait ends. No thread waits meanwhile, so idle participants cost no server threads. A newer
   * poll of the same participant ends the older one (empty). If {@code reply} returns false (the
   * caller went away) the delivery goes back to the front of the mailbox for the next poll.
   *
   * @return cancels the poll (the caller went away); harmless once it completed
   */
  public Runnable poll(String participantId, Duration wait, Predicate<Delivery> reply) {
    LongPoll poll = new LongPoll(reply);
    LongPoll replaced;
    Delivery now;
    synchronized (this) {
      Entry entry = byId.computeIfAbsent(participantId, id -> new Entry());
      now = takeReady(entry);
      replaced = null;
      if (now == null && !closed && !wait.isZero() && !wait.isNegative()) {
        replaced = entry.waiting;
        entry.waiting = poll;
        poll.timeout = timer.schedule(() -> expire(participantId, poll), wait.toNanos(), TimeUnit.NANOSECONDS);
      } else if (now == null) {
        now = new Delivery(null, List.of());
      }
    }
    if (replaced != null) {
      replaced.complete(new Delivery(null, List.of()));
    }
    if (now != null) {
      hand(participantId, poll, now);
    }
    return () -> cancel(participantId, poll);
  }

  /** The next live task and the receipts, taken from the mailbox; null if there is neither. */
  private Delivery takeReady(Entry entry) {
    Task task = null;
    Task next;
    while (task == null && (next = entry.mailbox.pollFirst()) != null) {
      if (next.getDeadlineEpochMillis() > clock.millis()) {
        task = next;
      }
    }
    if (task == null && entry.receipts.isEmpty()) {
      return null;
    }
    List<String> receipts = new ArrayList<>(entry.receipts);
    entry.receipts.clear();
    return new Delivery(task, receipts);
  }

  /** Completes {@code poll} with {@code delivery}, putting the delivery back if it could not be handed over. */
  private void hand(String participantId, LongPoll poll, Delivery delivery) {
    if (!poll.complete(delivery) && (delivery.task() != null || !delivery.receipts().isEmpty())) {
      synchronized (this) {
        Entry entry = byId.computeIfAbsent(participantId, id -> new Entry());
        if (delivery.task() != null) {
          entry.mailbox.addFirst(delivery.task());
        }
        List<String> receipts = new ArrayList<>(delivery.receipts());
        java.util.Collections.reverse(receipts);
        receipts.forEach(entry.receipts::addFirst);
      }
    }
  }

  /** Hands a waiting poll of {@code participantId} what its mailbox now holds, if it waits and there is any. */
  private void wake(String participantId) {
    LongPoll ready;
    Delivery delivery;
    synchronized (this) {
      Entry entry = byId.get(participantId);
      if (entry == null || entry.waiting == null) {
        return;
      }
      delivery = takeReady(entry);
      if (delivery == null) {
        return;
      }
      ready = entry.waiting;
      entry.waiting = null;
      seen(entry);
    }
    hand(participantId, ready, delivery);
  }

  private void expire(String participantId, LongPoll poll) {
    synchronized (this) {
      Entry entry = byId.get(participantId);
      if (entry == null || entry.waiting != poll) {
        return;
      }
      entry.waiting = null;
      seen(entry);
    }
    poll.complete(new Delivery(null, List.of()));
  }

  /**
   * A poll parked until now proves the participant was there until now: its grace starts again
   * when the poll ends, so the moment between one poll and the next never reads as silence.
   */
  private void seen(Entry entry) {
    if (entry.sessionId != null) {
      entry.lastSeen = clock.instant();
    }
  }

  private void cancel(String participantId, LongPoll poll) {
    synchronized (this) {
      Entry entry = byId.get(participantId);
      if (entry != null && entry.waiting == poll) {
        entry.waiting = null;
      }
    }
    poll.done.set(true);
    ScheduledFuture<?> pending = poll.timeout;
    if (pending != null) {
      pending.cancel(false);
    }
  }
}
