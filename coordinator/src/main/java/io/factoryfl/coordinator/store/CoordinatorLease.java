package io.factoryfl.coordinator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The right to run jobs on a PostgreSQL store shared by an active coordinator and its standby: a
 * row of {@code coordinator_lease} (migration V2) with the holder's name, a fencing token and an
 * expiry by the database's clock.
 *
 * <ul>
 *   <li>{@link #acquire()} blocks until this coordinator holds the lease: it takes the row when
 *       there is none or when it expired, adding one to the token, and otherwise looks again every
 *       {@link LeaseSettings#pollEvery()}. A standby therefore takes over at most {@code ttl +
 *       pollEvery} after the active coordinator's last renewal.
 *   <li>The holder renews the expiry every {@link LeaseSettings#renewEvery()} by {@link
 *       LeaseSettings#ttl()}, only while the row still carries its token and has not expired. When a
 *       renewal finds the lease taken or expired, or no renewal succeeded for a whole ttl (the
 *       database unreachable), the lease is lost: {@link #lost()} completes and the coordinator
 *       must stop running jobs.
 *   <li>Fencing: every write of the {@link PostgresStore} calls {@link #fence} inside its own
 *       transaction; it locks the row {@code FOR SHARE} (so no takeover can commit between the
 *       check and the write) and refuses the write with a {@link FencedException} unless the row
 *       carries this lease's token and has not expired. A coordinator that was paused (a long GC,
 *       a frozen VM) and wakes up after a takeover thus cannot write, even before it notices.
 *   <li>{@link #close()} stops renewing and releases a held lease (it expires at once), so a
 *       standby takes over without waiting for the ttl.
 * </ul>
 *
 * <p>One object is one term: once lost or closed it is not acquired again; open a new lease.
 */
public final class CoordinatorLease implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CoordinatorLease.class);
  /** The one lease of a store's database (a coordinator pair shares a database). */
  static final String NAME = "coordinator";

  private static final String TAKE = "INSERT INTO coordinator_lease AS l (name, holder, token, acquired_at,"
      + " renewed_at, expires_at) VALUES (?, ?, 1, clock_timestamp(), clock_timestamp(),"
      + " clock_timestamp() + ? * INTERVAL '1 millisecond')"
      + " ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, token = l.token + 1,"
      + " acquired_at = EXCLUDED.acquired_at, renewed_at = EXCLUDED.renewed_at, expires_at = EXCLUDED.expires_at"
      + " WHERE l.expires_at <= clock_timestamp() RETURNING token";
  private static final String RENEW = "UPDATE coordinator_lease SET renewed_at = clock_timestamp(),"
      + " expires_at = clock_timestamp() + ? * INTERVAL '1 millisecond'"
      + " WHERE name = ? AND token = ? AND expires_at > clock_timestamp()";
  private static final String RELEASE = "UPDATE coordinator_lease SET expires_at = clock_timestamp()"
      + " WHERE name = ? AND token = ? AND expires_at > clock_timestamp()";
  private static final String READ = "SELECT holder, token, acquired_at, expires_at,"
      + " expires_at > clock_timestamp() FROM coordinator_lease WHERE name = ?";

  /**
   * The lease as the database holds it now.
   *
   * @param live whether it has not expired
   */
  public record Holder(String holder, long token, Instant acquiredAt, Instant expiresAt, boolean live) {}

  private final DataSource database;
  private final String store;
  private final LeaseSettings settings;
  private final ScheduledExecutorService renewer;
  private final Clock clock;
  private final CompletableFuture<LeaseLoss> lost = new CompletableFuture<>();
  private final Object lock = new Object();
  private long token;
  private Instant deadline;
  private boolean closed;
  private boolean unreachableReported;
  private ScheduledFuture<?> renewal;

  /**
   * @param database the lease's own connections (renewals must not wait behind the store's writes)
   * @param store the store's description, for messages
   * @param renewer runs the renewals; shut down by {@link #close()}
   */
  CoordinatorLease(DataSource database, String store, LeaseSettings settings, ScheduledExecutorService renewer,
      Clock clock) {
    this.database = database;
    this.store = store;
    this.settings = settings;
    this.renewer = renewer;
    this.clock = clock;
  }

  static ScheduledExecutorService renewalThread() {
    return Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "factoryfl-lease-renewal");
      thread.setDaemon(true);
      return thread;
    });
  }

  public LeaseSettings settings() {
    return settings;
  }

  /**
   * Blocks until this coordinator holds the lease.
   *
   * @return the fencing token of this term
   * @throws InterruptedException if interrupted while waiting (the lease is then not held)
   * @throws IllegalStateException if this lease was lost or closed
   */
  public long acquire() throws InterruptedException {
    while (true) {
      stopIfInterrupted();
      if (tryAcquire()) {
        return heldToken();
      }
      TimeUnit.MILLISECONDS.sleep(settings.pollEvery().toMillis());
    }
  }

  /**
   * Like {@link #acquire()}, giving up after {@code timeout}.
   *
   * @return whether the lease is held
   */
  public boolean acquire(Duration timeout) throws InterruptedException {
    Instant giveUp = clock.instant().plus(timeout);
    while (true) {
      stopIfInterrupted();
      if (tryAcquire()) {
        return true;
      }
      if (!clock.instant().isBefore(giveUp)) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(settings.pollEvery().toMillis());
    }
  }

  private void stopIfInterrupted() throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException("coordinator " + settings.holder() + " stopped waiting for the lease of the "
          + store);
    }
  }

  /**
   * Takes the lease if it is free or expired, once, without waiting.
   *
   * @return whether this coordinator holds it (false also when the database cannot be reached)
   */
  public boolean tryAcquire() {
    synchronized (lock) {
      checkUsable();
      if (token != 0) {
        return true;
      }
    }
    Instant started = clock.instant();
    long taken;
    try (Connection connection = database.getConnection();
        PreparedStatement take = connection.prepareStatement(TAKE)) {
      connection.setAutoCommit(true);
      take.setQueryTimeout(queryTimeoutSeconds());
      take.setString(1, NAME);
      take.setString(2, settings.holder());
      take.setLong(3, settings.ttl().toMillis());
      try (ResultSet rows = take.executeQuery()) {
        if (!rows.next()) {
          return false;
        }
        taken = rows.getLong(1);
      }
      reachable();
    } catch (SQLException e) {
      unreachable("take the lease", e);
      return false;
    }
    synchronized (lock) {
      token = taken;
      deadline = started.plus(settings.ttl());
      if (closed) {
        release(taken);
        return false;
      }
      long every = settings.renewEvery().toMillis();
      renewal = renewer.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
    }
    log.info("coordinator {} holds the lease of the {} (fencing token {}, ttl {} ms)", settings.holder(), store,
        taken, settings.ttl().toMillis());
    return true;
  }

  /** The fencing token of the term held now; empty while not held. */
  public Optional<Long> token() {
    synchronized (lock) {
      return token == 0 || lost.isDone() || closed ? Optional.empty() : Optional.of(token);
    }
  }

  /** Completes (once) when this coordinator lost the lease it held; never completes otherwise. */
  public CompletionStage<LeaseLoss> lost() {
    return lost.minimalCompletionStage();
  }

  /**
   * Who holds the lease now, by the database; empty if no coordinator ever held it.
   *
   * @throws StoreException if the database cannot be reached
   */
  public Optional<Holder> current() {
    try (Connection connection = database.getConnection()) {
      connection.setAutoCommit(true);
      return read(connection, false);
    } catch (SQLException e) {
      throw new StoreException("cannot read the lease of the " + store + ": " + firstLine(e), e);
    }
  }

  /**
   * Refuses a write unless this coordinator holds the lease, checked in the write's transaction on
   * {@code connection}: the lease row stays locked (shared) until that transaction ends.
   *
   * @throws FencedException naming who holds the lease, if this coordinator does not
   */
  void fence(Connection connection, String action) throws SQLException {
    long mine;
    synchronized (lock) {
      mine = closed ? 0 : token;
    }
    LeaseLoss loss = lost.getNow(null);
    if (loss != null) {
      throw fenced(loss, action);
    }
    Optional<Holder> row = read(connection, true);
    if (mine == 0) {
      throw new FencedException("this coordinator (" + settings.holder() + ") does not hold the lease of the "
          + store + (row.map(h -> h.live() ? " (" + h.holder() + " holds it until " + h.expiresAt() + ")" : "")
              .orElse("")) + "; it writes only while it holds the lease: cannot " + action);
    }
    if (row.isEmpty()) {
      throw fenced(lose(new LeaseLoss(null, clock.instant(), "the lease row was deleted")), action);
    }
    Holder holder = row.get();
    if (holder.token() != mine) {
      throw fenced(lose(new LeaseLoss(holder.holder(), holder.acquiredAt(), "taken over with fencing token "
          + holder.token() + ", this coordinator had " + mine)), action);
    }
    if (!holder.live()) {
      throw fenced(lose(new LeaseLoss(null, holder.expiresAt(), "it expired without renewal")), action);
    }
  }

  /** Stops renewing and releases a held lease, so a standby takes over at once. Idempotent. */
  @Override
  public void close() {
    long held;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      held = lost.isDone() ? 0 : token;
      if (renewal != null) {
        renewal.cancel(false);
      }
    }
    renewer.shutdownNow();
    if (held != 0) {
      release(held);
    }
  }

  private void renew() {
    long held;
    synchronized (lock) {
      if (closed || lost.isDone()) {
        return;
      }
      held = token;
    }
    Instant started = clock.instant();
    try (Connection connection = database.getConnection();
        PreparedStatement renew = connection.prepareStatement(RENEW)) {
      connection.setAutoCommit(true);
      renew.setQueryTimeout(queryTimeoutSeconds());
      renew.setLong(1, settings.ttl().toMillis());
      renew.setString(2, NAME);
      renew.setLong(3, held);
      if (renew.executeUpdate() == 1) {
        synchronized (lock) {
          deadline = started.plus(settings.ttl());
        }
        reachable();
        return;
      }
      Optional<Holder> row = read(connection, false);
      if (row.isPresent() && row.get().token() != held) {
        lose(new LeaseLoss(row.get().holder(), row.get().acquiredAt(), "taken over with fencing token "
            + row.get().token()));
      } else {
        lose(new LeaseLoss(null, row.map(Holder::expiresAt).orElse(started), "it expired before it was renewed"));
      }
    } catch (SQLException | RuntimeException e) {
      Instant lastValid;
      synchronized (lock) {
        lastValid = deadline;
      }
      if (!clock.instant().isBefore(lastValid)) {
        lose(new LeaseLoss(null, lastValid, "no renewal succeeded for " + settings.ttl().toMillis() + " ms: "
            + firstLine(e)));
      } else {
        unreachable("renew the lease (it is valid until " + lastValid + ")", e);
      }
    }
  }

  private LeaseLoss lose(LeaseLoss loss) {
    synchronized (lock) {
      if (renewal != null) {
        renewal.cancel(false);
      }
    }
    if (lost.complete(loss)) {
      log.error("coordinator {} {} on the {}; it stops writing", settings.holder(), loss.describe(), store);
    }
    return lost.getNow(loss);
  }

  private FencedException fenced(LeaseLoss loss, String action) {
    return new FencedException("this coordinator (" + settings.holder() + ") " + loss.describe() + " on the "
        + store + "; it stops writing: cannot " + action + ". Nothing of it was written"
        + (loss.takenOverBy() == null ? "" : "; " + loss.takenOverBy() + " runs the jobs now"));
  }

  private void release(long held) {
    try (Connection connection = database.getConnection();
        PreparedStatement release = connection.prepareStatement(RELEASE)) {
      connection.setAutoCommit(true);
      release.setQueryTimeout(queryTimeoutSeconds());
      release.setString(1, NAME);
      release.setLong(2, held);
      release.executeUpdate();
      log.info("coordinator {} released the lease of the {} (fencing token {})", settings.holder(), store, held);
    } catch (SQLException e) {
      log.warn("coordinator {} could not release the lease of the {} ({}); a standby takes over when it expires",
          settings.holder(), store, firstLine(e));
    }
  }

  private Optional<Holder> read(Connection connection, boolean lockShared) throws SQLException {
    try (PreparedStatement read = connection.prepareStatement(READ + (lockShared ? " FOR SHARE" : ""))) {
      read.setQueryTimeout(queryTimeoutSeconds());
      read.setString(1, NAME);
      try (ResultSet rows = read.executeQuery()) {
        if (!rows.next()) {
          return Optional.empty();
        }
        return Optional.of(new Holder(rows.getString(1), rows.getLong(2),
            rows.getObject(3, OffsetDateTime.class).toInstant(), rows.getObject(4, OffsetDateTime.class).toInstant(),
            rows.getBoolean(5)));
      }
    }
  }

  private long heldToken() {
    synchronized (lock) {
      return token;
    }
  }

  private void checkUsable() {
    if (closed) {
      throw new IllegalStateException("this lease of the " + store + " was closed; open a new one");
    }
    if (lost.isDone()) {
      throw new IllegalStateException("coordinator " + settings.holder() + " " + lost.getNow(null).describe()
          + "; open a new lease to stand by again");
    }
  }

  private int queryTimeoutSeconds() {
    return (int) Math.max(1, settings.renewEvery().toSeconds());
  }

  private void reachable() {
    synchronized (lock) {
      unreachableReported = false;
    }
  }

  private void unreachable(String what, Exception e) {
    synchronized (lock) {
      if (unreachableReported) {
        return;
      }
      unreachableReported = true;
    }
    log.warn("coordinator {} cannot {} of the {}: {}; it keeps trying", settings.holder(), what, store,
        firstLine(e));
  }

  private static String firstLine(Exception e) {
    Throwable cause = e;
    while (cause.getCause() instanceof SQLException && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    return message == null ? cause.getClass().getSimpleName() : message.lines().findFirst().orElse("");
  }
}
