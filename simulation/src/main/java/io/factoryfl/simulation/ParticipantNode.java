package io.factoryfl.simulation;

import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.participant.config.ParticipantConfig;
import io.factoryfl.participant.data.DatasetCatalogue;
import io.factoryfl.participant.metrics.ParticipantMetrics;
import io.factoryfl.participant.policy.PolicyCheck;
import io.factoryfl.participant.policy.PolicyFile;
import io.factoryfl.participant.session.ChannelTls;
import io.factoryfl.participant.session.ParticipantAgent;
import io.factoryfl.participant.session.Site;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One participant node on its own thread, started from its config file the way {@code factoryfl
 * participant} starts one: its TLS channel to the coordinator (dialling out, reconnecting with
 * backoff when the coordinator goes away), its site (catalogue, signing identity, policy, receipts)
 * and its agent. Interceptors on the channel play faults on demand.
 */
final class ParticipantNode implements AutoCloseable {
  private final ManagedChannel channel;
  private final ParticipantAgent agent;
  private final Thread thread;
  private final ParticipantMetrics metrics;

  private ParticipantNode(ManagedChannel channel, ParticipantAgent agent, Thread thread, ParticipantMetrics metrics) {
    this.channel = channel;
    this.agent = agent;
    this.thread = thread;
    this.metrics = metrics;
  }

  /** The node's meters, as its /metrics endpoint would serve them. */
  ParticipantMetrics metrics() {
    return metrics;
  }

  /**
   * Starts the node of {@code config}.
   *
   * @param random the agent's randomness (reconnect jitter)
   * @param interceptors applied to every call of the node (the last listed sees a call first)
   */
  static ParticipantNode start(ParticipantConfig config, SplittableRandom random, List<ClientInterceptor> interceptors)
      throws IOException {
    return start(config, random, interceptors, null);
  }

  /**
   * As above, the node's tasks run only while it holds one of {@code workPermits} (shared by the
   * nodes of one simulation; null: no limit), see {@link ParticipantAgent#limitingWorkWith}.
   */
  static ParticipantNode start(ParticipantConfig config, SplittableRandom random, List<ClientInterceptor> interceptors,
      java.util.concurrent.Semaphore workPermits) throws IOException {
    TlsMaterial tls = TlsMaterial.load(config.certificate(), config.privateKey(), config.ca());
    ManagedChannel channel = ChannelTls.open(config.coordinator(), tls);
    Channel calls = ClientInterceptors.intercept(channel, interceptors);
    Site site = new Site(tls.self().name(), new DatasetCatalogue(config.datasets()),
        SigningIdentity.load(config.certificate(), config.signingKey()),
        tls.trustedCertificates().get(0), config.policy() == null ? PolicyCheck.defaults(Clock.systemDefaultZone())
            : PolicyCheck.enforcing(PolicyFile.load(config.policy()), Clock.systemDefaultZone()),
        config.receipts());
    ParticipantMetrics metrics = ParticipantMetrics.fresh();
    ParticipantAgent agent = new ParticipantAgent(site, calls, config.pollWait(), random, metrics,
        config.reconnectMax());
    if (workPermits != null) {
      agent.limitingWorkWith(workPermits);
    }
    Thread thread = new Thread(agent, "participant-" + tls.self().name());
    thread.setDaemon(true);
    thread.start();
    return new ParticipantNode(channel, agent, thread, metrics);
  }

  /** Asks the agent to stop; {@link #close} waits for it. */
  void stop() {
    agent.stop();
  }

  @Override
  public void close() throws InterruptedException {
    agent.stop();
    thread.join(5_000);
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
