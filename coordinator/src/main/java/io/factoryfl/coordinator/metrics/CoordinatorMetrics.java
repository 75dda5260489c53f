package io.factoryfl.coordinator.metrics;

import io.factoryfl.coordinator.task.TaskOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.factoryfl.proto.v1.JobState;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The coordinator's meters and their names, the one place that knows them (docs/operations.md,
 * "Metrics and health", lists each). The round code reports what happened in one call each; this
 * class decides the meter, the unit and the tags. Tags take values from closed sets (stage, cause,
 * reason, gRPC method, job state) plus the job id, so the number of series stays bounded by the
 * number of jobs.
 *
 * <p>Thread-safe (Micrometer meters are).
 */
public final class CoordinatorMetrics {
  private final PrometheusMeterRegistry registry;

  public CoordinatorMetrics(PrometheusMeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /** Metrics in a registry of their own, which nothing serves unless someone asks for it. */
  public static CoordinatorMetrics fresh() {
    return new CoordinatorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** The registry the observability endpoint serves. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Why an uploaded update was not let into its round (tag {@code reason}). */
  public enum UpdateRejection {
    /** The stream broke the protocol: header missing or twice, bad chunk, metrics or counts. */
    MALFORMED,
    /** The update named another job or round than its task, or the task is not this caller's. */
    WRONG_TASK,
    /** The update was for another base model or had the wrong number of parameters. */
    WRONG_MODEL,
    /** The stream ended before all parameters arrived. */
    INCOMPLETE,
    /** The parameters did not hash to the SHA-256 the header announced. */
    HASH_MISMATCH,
    /** A parameter was NaN or infinite. */
    NON_FINITE,
    /** The round's aggregate refused it (for example a masked input that does not fit the session). */
    AGGREGATE_REFUSED,
    /** The round had closed (deadline, participant dropped) before the update was complete. */
    LATE,
    /** The coordinator failed while checking it (its log has the detail). */
    INTERNAL;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A round committed a new model version: counts it and records its cohort size and duration.
   *
   * @param millis from cohort selection to the commit, on the federation's clock
   */
  public void roundCommitted(String jobId, int cohortSize, long millis) {
    Counter.builder("factoryfl.rounds.committed").description("rounds that committed a new model version")
        .tag("job", jobId).register(registry).increment();
    Timer.builder("factoryfl.round.duration").description("from cohort selection to the committed model")
        .register(registry).record(Duration.ofMillis(millis));
    DistributionSummary.builder("factoryfl.round.cohort.size")
        .description("participants selected for a committed round")
        .baseUnit("participants").register(registry).record(cohortSize);
  }

  /** An attempt of a round (round 0: the feature statistics) failed; it is retried or the job fails. */
  public void roundFailed(String jobId) {
    Counter.builder("factoryfl.rounds.failed").description("round attempts that failed (retried or ending the job)")
        .tag("job", jobId).register(registry).increment();
  }

  /**
   * One stage of a round finished: the tasks of {@code stage} were sent and all answered or the
   * deadline passed. Stages: {@code stats}, {@code train}, {@code eval} and the secure-aggregation
   * stages {@code secagg-keys}, {@code secagg-shares}, {@code secagg-masked}, {@code secagg-check},
   * {@code secagg-unmask}.
   */
  public void stageFinished(String stage, Duration took) {
    Timer.builder("factoryfl.round.stage.duration")
        .description("time to collect one stage's answers")
        .tag("stage", stage).register(registry).record(took);
  }

  /**
   * A task of {@code stage} did not give a usable answer: a dropout (the participant went silent
   * or missed the deadline), a refusal by its site, or an answer the coordinator rejected.
   */
  public void taskFailed(String stage, TaskOutcome.FailureKind kind) {
    switch (kind) {
      case DROPPED, TIMED_OUT -> Counter.builder("factoryfl.dropouts")
          .description("participants lost from a stage: silent past the heartbeat grace or the deadline")
          .tag("stage", stage).tag("cause", kind.name().toLowerCase(Locale.ROOT)).register(registry).increment();
      case REFUSED -> Counter.builder("factoryfl.task.refusals").description("tasks a site refused")
          .tag("stage", stage).register(registry).increment();
      case REJECTED -> Counter.builder("factoryfl.task.rejections").description("answers the coordinator rejected")
          .tag("stage", stage).register(registry).increment();
    }
  }

  /** An uploaded update (plain or masked) passed every check and entered its round. */
  public void updateAccepted() {
    Counter.builder("factoryfl.updates.accepted").description("uploaded updates let into their round")
        .register(registry).increment();
  }

  /** An uploaded update was refused. */
  public void updateRejected(UpdateRejection reason) {
    Counter.builder("factoryfl.updates.rejected").description("uploaded updates refused, by reason")
        .tag("reason", reason.tag()).register(registry).increment();
  }

  /** Bytes of gRPC messages received on {@code method} (SubmitUpdate carries the uploads). */
  public Counter bytesReceived(String method) {
    return Counter.builder("factoryfl.rpc.received").description("bytes of gRPC messages received")
        .baseUnit("bytes").tag("method", method).register(registry);
  }

  /** Bytes of gRPC messages sent on {@code method} (DownloadModel carries the model transfers). */
  public Counter bytesSent(String method) {
    return Counter.builder("factoryfl.rpc.sent").description("bytes of gRPC messages sent")
        .baseUnit("bytes").tag("method", method).register(registry);
  }

  /** Reports, at every scrape, how many jobs are in each state. */
  public void watchJobs(Supplier<Collection<JobState>> states) {
    for (JobState state : JobState.values()) {
      if (state == JobState.UNRECOGNIZED || state == JobState.JOB_STATE_UNSPECIFIED) {
        continue;
      }
      Gauge.builder("factoryfl.jobs", () -> states.get().stream().filter(state::equals).count())
          .description("jobs by state").tag("state", state.name().replace("JOB_STATE_", "").toLowerCase(Locale.ROOT))
          .register(registry);
    }
  }

  /** Reports, at every scrape, how many participants are connected (heard from within the grace). */
  public void watchParticipants(IntSupplier connected) {
    Gauge.builder("factoryfl.participants.connected", connected::getAsInt)
        .description("participants heard from within the heartbeat grace").register(registry);
  }
}
