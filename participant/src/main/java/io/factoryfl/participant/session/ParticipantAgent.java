package io.factoryfl.participant.session;

import java.time.Clock;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.HeartbeatRequest;
import io.factoryfl.proto.v1.PollTaskRequest;
import io.factoryfl.proto.v1.PollTaskResponse;
import io.factoryfl.proto.v1.RegisterRequest;
import io.factoryfl.proto.v1.RegisterResponse;
import io.factoryfl.core.ledger.ReceiptLog;
import io.factoryfl.participant.config.ParticipantConfig;
import io.factoryfl.participant.metrics.ParticipantMetrics;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.random.RandomGenerator;

/**
 * The site's session with the coordinator. It only ever dials out: register, then long-poll for
 * tasks and run them one at a time, with a heartbeat alongside while it works (an open poll is
 * presence enough). When the coordinator is
 * unreachable it retries with exponential backoff and jitter; when the coordinator no longer
 * knows the session (it restarted) it registers again.
 *
 * <p>Takes a {@link Channel}; whoever built the channel shuts it down.
 */
public final class ParticipantAgent implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(ParticipantAgent.class);
  private static final long REGISTER_TIMEOUT_SECONDS = 10;

  private final FleetGrpc.FleetBlockingStub blocking;
  private final FleetGrpc.FleetStub async;
  private final Site site;
  private final ReceiptKeeper receipts;
  private final Duration pollWait;
  private final Backoff backoff;
  private final TaskRunner runner;
  private final String name;
  private final ScheduledExecutorService heartbeats;
  /** Whether a long poll is open: the coordinator counts it as presence, so heartbeats pause. */
  private volatile boolean polling;
  /** Shared with the other agents of a simulation; null for a deployed site. */
  private volatile Semaphore workPermits;
  private final ParticipantMetrics metrics;
  private volatile boolean stopped;
  private volatile boolean sessionValid;
  private volatile Thread thread;

  /**
   * @param random jitter for reconnect backoff
   */
  public ParticipantAgent(Site site, Channel channel, Duration pollWait, RandomGenerator random) {
    this(site, channel, pollWait, random, ParticipantMetrics.fresh());
  }

  /**
   * @param random jitter for reconnect backoff
   * @param metrics this node's meters and readiness (served on its observability endpoint)
   */
  public ParticipantAgent(Site site, Channel channel, Duration pollWait, RandomGenerator random,
      ParticipantMetrics metrics) {
    this(site, channel, pollWait, random, metrics, ParticipantConfig.DEFAULT_RECONNECT_MAX);
  }

  /**
   * As above, waiting at most {@code reconnectMax} between two attempts to reach the coordinator
   * (exponential backoff with full jitter from 200 ms; the site config's {@code
   * reconnect_max_seconds}).
   */
  public ParticipantAgent(Site site, Channel channel, Duration pollWait, RandomGenerator random,
      ParticipantMetrics metrics, Duration reconnectMax) {
    this.metrics = metrics;
    this.name = site.name();
    this.site = site;
    CoordinatorSigningKey coordinatorKey = new CoordinatorSigningKey(site.ca(), Clock.systemUTC());
    this.receipts = new ReceiptKeeper(ReceiptLog.open(site.receiptLog()), name, coordinatorKey);
    Channel learning = ClientInterceptors.intercept(channel, coordinatorKey, metrics.rpcBytes());
    this.blocking = FleetGrpc.newBlockingStub(learning);
    this.async = FleetGrpc.newStub(learning);
    this.pollWait = pollWait;
    this.backoff = new Backoff(Duration.ofMillis(200), reconnectMax, random);
    this.runner = new TaskRunner(site.catalogue(), site.signing() == null ? null
        : new SecureSessions(site.signing(), site.ca(), Clock.systemUTC(),
            ContributionLog.open(site.contributionLog(), Clock.systemUTC())).checkingPeersWith(
            PeerCheck.forSite(site.ca(), site.receiptLog(), Clock.systemUTC())), site.policy(), metrics);
    this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "heartbeat-" + name);
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void run() {
    thread = Thread.currentThread();
    try {
      while (!stopped) {
        try {
          session();
        } catch (StatusRuntimeException e) {
          if (stopped) {
            return;
          }
          metrics.disconnected(e.getStatus());
          if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION
              && String.valueOf(e.getStatus().getDescription()).contains("Register")) {
            LOG.info(name + ": session expired, registering again");
            continue;
          }
          Duration wait = backoff.next();
          LOG.warn(name + ": coordinator call failed (" + e.getStatus().getCode() + ": "
              + e.getStatus().getDescription() + "); retrying in " + wait.toMillis() + " ms");
          Thread.sleep(wait.toMillis());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      heartbeats.shutdownNow();
    }
  }

  /** One session: register, then poll and run tasks until the session ends or the agent stops. */
  private void session() throws InterruptedException {
    RegisterResponse registered = blocking.withDeadlineAfter(REGISTER_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .register(RegisterRequest.newBuilder()
            .addAllDatasets(site.catalogue().names().stream().filter(site.policy()::exposes).toList())
            .setAgentVersion("factoryfl-participant/0.1")
            .setCpuThreads(Math.min(Runtime.getRuntime().availableProcessors(),
                site.policy().maxCpuThreads())).build());
    backoff.reset();
    String sessionId = registered.getSessionId();
    sessionValid = true;
    metrics.connected();
    LOG.info(name + ": registered as '" + registered.getParticipantId() + "'");
    long interval = Math.max(100, registered.getHeartbeatIntervalMillis());
    ScheduledFuture<?> beat = heartbeats.scheduleWithFixedDelay(
        () -> heartbeat(sessionId), interval, interval, TimeUnit.MILLISECONDS);
    try {
      while (!stopped && sessionValid) {
        PollTaskResponse polled;
        polling = true;
        try {
          polled = blocking
              .withDeadlineAfter(pollWait.toMillis() + 10_000, TimeUnit.MILLISECONDS)
              .pollTask(PollTaskRequest.newBuilder().setSessionId(sessionId)
                  .setWaitMillis(pollWait.toMillis()).build());
        } finally {
          polling = false;
        }
        receipts.keep(polled.getReceiptsList());
        if (polled.hasTask()) {
          Semaphore permits = workPermits;
          if (permits != null) {
            permits.acquire();
          }
          try {
            runner.run(polled.getTask(), sessionId, blocking, async);
          } finally {
            if (permits != null) {
              permits.release();
            }
          }
        }
      }
    } finally {
      beat.cancel(false);
    }
  }

  private void heartbeat(String sessionId) {
    if (polling) {
      // The parked poll itself keeps the site alive at the coordinator: no heartbeat while idle.
      return;
    }
    try {
      boolean valid = blocking.withDeadlineAfter(5, TimeUnit.SECONDS)
          .heartbeat(HeartbeatRequest.newBuilder().setSessionId(sessionId).build()).getSessionValid();
      if (!valid) {
        sessionValid = false;
      }
    } catch (StatusRuntimeException e) {
      // The poll loop sees the same outage and handles reconnection.
    }
  }

  /**
   * Runs each task only while holding one of {@code permits}, which other agents in this process
   * share: a simulation of thousands of sites on a few cores then works them off a few at a time,
   * instead of all at once with the network threads starved. A deployed site runs alone and has
   * none. The agent stays alive meanwhile by its heartbeat. Call before {@link #run}.
   */
  public ParticipantAgent limitingWorkWith(Semaphore permits) {
    this.workPermits = permits;
    return this;
  }

  /** Stops after the current task; interrupts a wait for the coordinator. */
  public void stop() {
    stopped = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }
}
