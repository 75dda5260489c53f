package io.factoryfl.coordinator.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The job store on a PostgreSQL server ({@code --store postgresql://...}), for coordinators that
 * keep no state on their own disk, such as an active/standby pair: same tables as the embedded
 * store (Flyway migrations in {@code db/store/postgresql}) plus the lease of the pair ({@link
 * CoordinatorLease}, migration V2) and, instead of files, the model versions ({@link
 * PostgresModelStore}) and round logs ({@link PostgresRoundLogs}, migration V4).
 *
 * <p>Connections come from a HikariCP pool of {@value #POOL_SIZE}, validated before use: when
 * the server goes away, each call fails after the connection timeout (10 s) with a {@link
 * StoreException} naming {@code host:port/database}, and once it is back the same store works
 * again (no coordinator restart). The password never appears in {@link #description()} or any
 * message.
 *
 * <p>Once {@link #lease} was called, every write is fenced: it happens only while this
 * coordinator holds the lease, checked in the write's own transaction (a {@link FencedException}
 * otherwise). A store without a lease (one coordinator, no standby) writes unfenced.
 */
public final class PostgresStore extends JdbcStore {
  static final int POOL_SIZE = 8;
  static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(10);

  private final PostgresUrl url;
  private final Duration connectionTimeout;
  private final Object leaseLock = new Object();
  private HikariDataSource leasePool;
  private volatile CoordinatorLease lease;

  private PostgresStore(PostgresUrl url, Duration connectionTimeout) {
    super(poolConfig(url, "factoryfl-postgres-store", POOL_SIZE, connectionTimeout), Dialect.POSTGRESQL,
        "PostgreSQL store " + url.redacted(), new StoreFailures("PostgreSQL store " + url.redacted(), url.server()));
    this.url = url;
    this.connectionTimeout = connectionTimeout;
  }

  /**
   * Opens the store at {@code url} ({@link PostgresUrl} format; password from the URL or {@code
   * PGPASSWORD}) and migrates its schema.
   *
   * @throws IllegalArgumentException if the URL is malformed
   * @throws StoreException naming the server if it cannot be reached, refuses the login or the
   *     schema cannot be migrated
   */
  public static PostgresStore open(String url) {
    return open(PostgresUrl.parse(url).withPasswordFrom(null, System.getenv()));
  }

  /** Opens the store at {@code url}, with the password it carries (see {@link PostgresUrl#withPasswordFrom}). */
  public static PostgresStore open(PostgresUrl url) {
    return new PostgresStore(url, CONNECTION_TIMEOUT);
  }

  /** For tests: how long a call waits for a connection before it fails. */
  static PostgresStore open(PostgresUrl url, Duration connectionTimeout) {
    return new PostgresStore(url, connectionTimeout);
  }

  /** The server and database, without credentials. */
  public PostgresUrl url() {
    return url;
  }

  /**
   * The lease of this store's database for the coordinator named in {@code settings}; from now on
   * every write of this store is fenced by it. Acquire it before running jobs.
   *
   * @throws IllegalStateException if this store has a lease that is neither lost nor closed
   */
  public CoordinatorLease lease(LeaseSettings settings) {
    return lease(settings, CoordinatorLease.renewalThread(), Clock.systemUTC());
  }

  /** For tests: {@code renewer} runs the renewals (shutting it down pauses them, like a frozen process). */
  CoordinatorLease lease(LeaseSettings settings, ScheduledExecutorService renewer, Clock clock) {
    synchronized (leaseLock) {
      CoordinatorLease current = lease;
      if (current != null && current.token().isPresent()) {
        renewer.shutdownNow();
        throw new IllegalStateException("the " + description() + " has a lease held by this coordinator already;"
            + " close it before opening another");
      }
      if (current != null) {
        current.close();
      }
      if (leasePool == null) {
        // the lease's own connections: a renewal never waits behind the store's writes
        // (HikariCP waits at least 250 ms)
        Duration timeout = settings.renewEvery().compareTo(connectionTimeout) < 0 ? settings.renewEvery()
            : connectionTimeout;
        timeout = timeout.compareTo(Duration.ofMillis(250)) < 0 ? Duration.ofMillis(250) : timeout;
        HikariConfig config = poolConfig(url, "factoryfl-postgres-lease", 2, timeout);
        config.setMinimumIdle(1);
        config.setInitializationFailTimeout(-1);
        leasePool = new HikariDataSource(config);
      }
      lease = new CoordinatorLease(leasePool, description(), settings, renewer, clock);
      return lease;
    }
  }

  /** The models live in this database (the data directory is not used for them). */
  @Override
  public ModelStore models(java.nio.file.Path dataDirectory) {
    return new PostgresModelStore(this);
  }

  /** The round logs live in this database (the data directory is not used for them). */
  @Override
  public RoundLogStore roundLogs(java.nio.file.Path dataDirectory) {
    return new PostgresRoundLogs(this);
  }

  @Override
  protected void beforeWrite(Connection connection, String action) throws SQLException {
    CoordinatorLease fencing = lease;
    if (fencing != null) {
      fencing.fence(connection, action);
    }
  }

  @Override
  protected StoreException failed(String action, SQLException e) {
    // the pool's "connection is not available" says less than the driver's reason beneath it
    SQLException cause = e;
    while (cause.getCause() instanceof SQLException inner && inner != cause) {
      cause = inner;
    }
    if (isConnectionFailure(e) || isConnectionFailure(cause)) {
      // the server went away: every pooled connection is dead, so none may serve a call after it is back
      pool().getHikariPoolMXBean().softEvictConnections();
    }
    return super.failed(action, cause);
  }

  @Override
  public void close() {
    synchronized (leaseLock) {
      if (lease != null) {
        lease.close();
      }
      if (leasePool != null) {
        leasePool.close();
      }
    }
    super.close();
  }

  /** SQLSTATE class 08 (connection exception) or 57P0x (the server is shutting down or restarting). */
  private static boolean isConnectionFailure(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || state.startsWith("57P0"));
  }

  private static HikariConfig poolConfig(PostgresUrl url, String name, int size, Duration connectionTimeout) {
    HikariConfig config = new HikariConfig();
    config.setPoolName(name);
    config.setJdbcUrl(url.jdbcUrl());
    url.user().ifPresent(config::setUsername);
    url.password().ifPresent(config::setPassword);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(Math.min(2, size));
    config.setConnectionTimeout(connectionTimeout.toMillis());
    config.setValidationTimeout(Math.min(3_000, Math.max(250, connectionTimeout.toMillis() / 2)));
    config.setKeepaliveTime(Duration.ofMinutes(1).toMillis());
    config.addDataSourceProperty("ApplicationName", "factoryfl-coordinator");
    config.addDataSourceProperty("connectTimeout", Long.toString(Math.max(1, connectionTimeout.toSeconds())));
    config.addDataSourceProperty("tcpKeepAlive", "true");
    return config;
  }
}
