package io.factoryfl.participant.metrics;

import io.factoryfl.core.ops.Readiness;
import io.factoryfl.proto.v1.RefusalCode;
import io.factoryfl.proto.v1.Task;
import io.grpc.ClientInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The participant's meters and their names (docs/operations.md, "Metrics and health", lists
 * each), and its readiness: connected to the coordinator or not. Tags take values from closed sets
 * (task kind, outcome, refusal code, gRPC method). Nothing here names a dataset, a path or a value
 * of the site's data.
 *
 * <p>Thread-safe.
 */
public final class ParticipantMetrics {
  /** How a task ended at this site (tag {@code outcome}). */
  public enum Outcome {
    /** Its result (statistics, evaluation, secure-aggregation message or update) was delivered. */
    COMPLETED,
    /** The site refused it or failed running it and told the coordinator why. */
    REFUSED,
    /** Its update could not be delivered (the upload failed or got no answer). */
    FAILED
  }

  private final PrometheusMeterRegistry registry;
  private final Timer training;
  /** Null while connected; otherwise why not (shown by /readyz). */
  private final AtomicReference<String> notConnected =
      new AtomicReference<>("not registered with the coordinator yet");

  public ParticipantMetrics(PrometheusMeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.training = Timer.builder("factoryfl.participant.training.duration")
        .description("local training of one task on this site's data").register(registry);
    Gauge.builder("factoryfl.participant.connected", () -> notConnected.get() == null ? 1 : 0)
        .description("1 while registered with the coordinator, else 0").register(registry);
  }

  /** Meters in a registry of their own, which nothing serves unless someone asks for it. */
  public static ParticipantMetrics fresh() {
    return new ParticipantMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** The registry the observability endpoint serves. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Ready ({@code /readyz}) while registered with the coordinator. */
  public Readiness readiness() {
    return () -> Optional.ofNullable(notConnected.get());
  }

  /** The session registered with the coordinator. */
  public void connected() {
    notConnected.set(null);
  }

  /** A call to the coordinator failed; the agent retries (reconnects, registers again). */
  public void disconnected(Status status) {
    notConnected.set("the last call to the coordinator failed (" + status.getCode() + "); reconnecting");
  }

  /** A task of {@code kind} ended this way here. */
  public void taskFinished(Task.KindCase kind, Outcome outcome) {
    Counter.builder("factoryfl.participant.tasks").description("tasks run at this site, by kind and outcome")
        .tag("kind", kind.name().toLowerCase(Locale.ROOT)).tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
        .register(registry).increment();
  }

  /** The site refused a task (or failed it) with {@code code}. */
  public void refused(Task.KindCase kind, RefusalCode code) {
    taskFinished(kind, Outcome.REFUSED);
    Counter.builder("factoryfl.participant.refusals").description("tasks refused or failed here, by refusal code")
        .tag("code", code.name().toLowerCase(Locale.ROOT)).register(registry).increment();
  }

  /** Runs local training and records how long it took. */
  public <T> T timeTraining(Supplier<T> train) {
    return training.record(train);
  }

  /**
   * Counts the bytes of every gRPC message to and from the coordinator, per method, as they cross
   * the wire (model downloads, update uploads and everything else).
   */
  public ClientInterceptor rpcBytes() {
    return new RpcBytes(registry);
  }
}
