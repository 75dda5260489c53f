package io.factoryfl.coordinator.server;

import io.factoryfl.coordinator.enrol.RelayedRevocations;
import io.factoryfl.coordinator.job.Federation;
import io.factoryfl.coordinator.job.JobScheduler;
import io.factoryfl.core.params.ParameterCodec;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.factoryfl.coordinator.metrics.RpcBytes;
import io.factoryfl.core.ops.Readiness;
import io.factoryfl.coordinator.registry.ParticipantRegistry;
import io.factoryfl.coordinator.metrics.CoordinatorMetrics;
import io.factoryfl.coordinator.store.CoordinatorStore;
import io.factoryfl.coordinator.store.EmbeddedStore;
import io.factoryfl.coordinator.task.TaskBoard;
import io.factoryfl.core.security.SigningIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The coordinator's gRPC server: lifecycle only (start, stop, block until shutdown); the
 * services do the work. Takes a {@link ServerBuilder} so tests can pass an in-process one and
 * production a TLS one from {@link ServerTls}.
 *
 * <p>It also serves the standard {@code grpc.health.v1.Health} service: SERVING for the server
 * ({@code ""}) and for each FactoryFL service from {@link #start} until {@link #stop}, then
 * NOT_SERVING. Health calls pass the same {@link AuthenticationInterceptor} as every other call;
 * {@link AccessPolicy} lets anyone reach {@code Check} (see there why).
 */
public final class CoordinatorServer {
  /** One parameter chunk plus generous room for the message framing. */
  static final int MAX_INBOUND_MESSAGE_BYTES = ParameterCodec.MAX_CHUNK_BYTES + 64 * 1024;

  /** Resolution of the score histograms behind federated ROC-AUC and PR-AUC. */
  static final int HISTOGRAM_BINS = 10_000;

  private final Server server;
  private final JobScheduler scheduler;
  private final Federation federation;
  private final UploadSlots uploads;
  private final HealthStatusManager health = new HealthStatusManager();
  private final List<String> serviceNames = new ArrayList<>();
  private volatile boolean serving;
  private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();

  public CoordinatorServer(ServerBuilder<?> builder, Federation federation, JobScheduler scheduler,
      ServerInterceptor authentication) {
    this(builder, federation, scheduler, authentication, null);
  }

  /**
   * @param enrolment the Enrolment service ({@code EnrolmentService.open} or {@code withoutCa}),
   *     registered behind {@code authentication} like the others; null registers none
   */
  public CoordinatorServer(ServerBuilder<?> builder, Federation federation, JobScheduler scheduler,
      ServerInterceptor authentication, BindableService enrolment) {
    this(builder, federation, scheduler, authentication, enrolment, CoordinatorLimits.defaults());
  }

  /**
   * @param limits upload limits for the Fleet service (the scheduler holds the model budget)
   */
  public CoordinatorServer(ServerBuilder<?> builder, Federation federation, JobScheduler scheduler,
      ServerInterceptor authentication, BindableService enrolment, CoordinatorLimits limits) {
    this.scheduler = scheduler;
    this.federation = federation;
    // Interceptors run last-listed first: failures anywhere, authentication included, become a
    // status with a description.
    ServerInterceptor failures = new FailureInterceptor();
    this.uploads = limits.uploadSlots();
    List<ServerServiceDefinition> services = new ArrayList<>();
    services.add(ServerInterceptors.intercept(new FleetService(federation.registry(),
        federation.board(), federation.store(), uploads, federation.metrics()), authentication, failures));
    services.add(ServerInterceptors.intercept(new AdminService(scheduler, federation.registry()),
        authentication, failures));
    services.add(ServerInterceptors.intercept(new AuditService(scheduler, federation.roundLogs()),
        authentication, failures));
    if (enrolment != null) {
      services.add(ServerInterceptors.intercept(enrolment, authentication, failures));
    }
    services.add(ServerInterceptors.intercept(health.getHealthService(), authentication, failures));
    builder.maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES);
    Set<String> methods = new HashSet<>();
    for (ServerServiceDefinition service : services) {
      builder.addService(service);
      service.getMethods().forEach(method -> methods.add(method.getMethodDescriptor().getFullMethodName()));
      String name = service.getServiceDescriptor().getName();
      if (name.startsWith("factoryfl.")) {
        serviceNames.add(name);
      }
    }
    builder.addStreamTracerFactory(new RpcBytes(federation.metrics(), methods));
    federation.metrics().watchJobs(() -> scheduler.list().stream().map(run -> run.status().getState()).toList());
    federation.metrics().watchParticipants(() -> (int) federation.registry().all().stream()
        .filter(participant -> federation.registry().isAlive(participant.id())).count());
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
    this.server = builder.build();
  }

  /**
   * Assembles a coordinator with its own registry, task board, model store and round logs under
   * {@code dataDir}.
   *
   * @param heartbeatGrace how long a silent participant counts as connected
   * @param identity the coordinator's signing identity, which signs round logs and receipts
   */
  public static CoordinatorServer assemble(ServerBuilder<?> builder, Path dataDir, Clock clock,
      Duration heartbeatGrace, ServerInterceptor authentication, SigningIdentity identity) {
    return assemble(builder, dataDir, clock, heartbeatGrace, authentication, identity, null);
  }

  /** As above, also serving {@code enrolment} (null for none). */
  public static CoordinatorServer assemble(ServerBuilder<?> builder, Path dataDir, Clock clock,
      Duration heartbeatGrace, ServerInterceptor authentication, SigningIdentity identity,
      BindableService enrolment) {
    return assemble(builder, dataDir, clock, heartbeatGrace, authentication, identity, enrolment,
        CoordinatorLimits.defaults());
  }

  /** As above, with the operator's {@code limits} on models and uploads. */
  public static CoordinatorServer assemble(ServerBuilder<?> builder, Path dataDir, Clock clock,
      Duration heartbeatGrace, ServerInterceptor authentication, SigningIdentity identity,
      BindableService enrolment, CoordinatorLimits limits) {
    return assemble(builder, dataDir, clock, heartbeatGrace, authentication, identity, enrolment,
        limits, RelayedRevocations.none());
  }

  /**
   * As above, relaying {@code revocations}, the CA's signed revocation list, to the sites of
   * every secure round (they refuse a secure round without a current one).
   */
  public static CoordinatorServer assemble(ServerBuilder<?> builder, Path dataDir, Clock clock,
      Duration heartbeatGrace, ServerInterceptor authentication, SigningIdentity identity,
      BindableService enrolment, CoordinatorLimits limits, RelayedRevocations revocations) {
    return assemble(builder, dataDir, clock, heartbeatGrace, authentication, identity, enrolment, limits,
        revocations, EmbeddedStore.open(dataDir), CoordinatorMetrics.fresh());
  }

  /**
   * As above, keeping jobs in {@code store} (the embedded store of {@code dataDir}, or PostgreSQL)
   * and counting in {@code metrics}. Opening the scheduler lists the jobs the store holds and
   * resumes the running ones; the server owns the store from here and closes it when it stops.
   */
  public static CoordinatorServer assemble(ServerBuilder<?> builder, Path dataDir, Clock clock,
      Duration heartbeatGrace, ServerInterceptor authentication, SigningIdentity identity,
      BindableService enrolment, CoordinatorLimits limits, RelayedRevocations revocations, CoordinatorStore store,
      CoordinatorMetrics metrics) {
    Federation federation = new Federation(new ParticipantRegistry(clock, heartbeatGrace),
        new TaskBoard(), store.models(dataDir), clock, HISTOGRAM_BINS, store.roundLogs(dataDir),
        identity, revocations, metrics);
    return new CoordinatorServer(builder, federation, new JobScheduler(federation, limits.modelBudget(), store),
        authentication, enrolment, limits);
  }

  public CoordinatorServer start() throws IOException {
    server.start();
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    serviceNames.forEach(name -> health.setStatus(name, ServingStatus.SERVING));
    serving = true;
    return this;
  }

  /** The coordinator's meters, for the observability endpoint ({@code /metrics}). */
  public io.factoryfl.coordinator.metrics.CoordinatorMetrics metrics() {
    return federation.metrics();
  }

  /**
   * Ready ({@code /readyz}) from {@link #start} until {@link #stop} while its store answers; the
   * reason otherwise (a store that does not answer names itself and the fix).
   */
  public Readiness readiness() {
    return () -> serving ? scheduler.store().unavailable()
        : Optional.of(server.isShutdown() ? "the coordinator is shutting down"
            : "the coordinator has not started serving yet");
  }

  /** The port the server listens on (useful when started on port 0). */
  public int port() {
    return server.getPort();
  }

  public JobScheduler scheduler() {
    return scheduler;
  }

  /** Bytes currently buffered for updates in flight (for tests and diagnostics). */
  long bufferedUploadBytes() {
    return uploads.bufferedBytes();
  }

  public void stop() throws InterruptedException {
    serving = false;
    if (stopped.compareAndSet(false, true)) {
      health.enterTerminalState();
    }
    scheduler.close();
    federation.registry().close();
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  public void blockUntilShutdown() throws InterruptedException {
    server.awaitTermination();
  }
}
