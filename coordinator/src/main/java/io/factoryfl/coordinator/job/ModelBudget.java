package io.factoryfl.coordinator.job;

import io.factoryfl.core.job.InvalidJobSpecException;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;

/**
 * How large a model the coordinator takes on, checked when a job is submitted, before anything
 * of the model is built: the parameter count comes from the layer sizes alone.
 *
 * @param maxParameters the most parameters a model may have ({@code --max-model-parameters})
 * @param memoryBytes the coordinator's heap; one job's working set must fit it
 * @param uploadBufferBytes the coordinator's update buffer budget; one update must fit it
 */
public record ModelBudget(long maxParameters, long memoryBytes, long uploadBufferBytes) {
  /**
   * Bytes the coordinator holds per parameter while a plain FedAvg job trains: the accumulator's
   * 64-bit sums (8) and headroom (2) for chunks in flight and the rest of the coordinator. The
   * initial model (4, created before the round) is never held together with the sums; updates in
   * flight are spilled to disk, the new model is written as the mean is drained from the sums, and
   * downloads stream from the store's file. What each strategy adds is in {@link
   * #bytesPerParameter}; measured in docs/performance.md.
   */
  static final int BYTES_PER_PARAMETER = 10;
  /**
   * A secure round holds the masked sum (4) and, until the session transcript and unmasking are
   * streamed, copies of it for the transcript kept for a restart and for the decoded mean.
   */
  static final int SECURE_BYTES_PER_PARAMETER = 24;
  /** The default limit on a model's parameters: 10^8. */
  public static final long DEFAULT_MAX_PARAMETERS = 100_000_000L;

  public ModelBudget {
    if (maxParameters < 1 || memoryBytes < 1 || uploadBufferBytes < 1) {
      throw new IllegalArgumentException("model budget values must be at least 1, were "
          + maxParameters + ", " + memoryBytes + " and " + uploadBufferBytes);
    }
  }

  /** The default limit, this JVM's heap, and half the heap for update buffers. */
  public static ModelBudget defaults() {
    long heap = Runtime.getRuntime().maxMemory();
    return new ModelBudget(DEFAULT_MAX_PARAMETERS, heap, heap / 2);
  }

  /**
   * @throws InvalidJobSpecException naming the model's size, the limit and the setting that
   *     raises it
   */
  void check(JobSpec spec) {
    long parameters = JobSpecParser.parameterCount(spec);
    if (parameters > maxParameters) {
      throw new InvalidJobSpecException("model", String.format(java.util.Locale.ROOT,
          "has %,d parameters; this coordinator accepts models of at most %,d parameters"
              + " (its --max-model-parameters); use fewer or narrower hidden_layers",
          parameters, maxParameters));
    }
    long working = bytes(parameters, bytesPerParameter(spec));
    if (working > memoryBytes) {
      throw new InvalidJobSpecException("model", String.format(java.util.Locale.ROOT,
          "has %,d parameters and needs about %,d MiB of coordinator memory while it trains%s;"
              + " the coordinator has %,d MiB (its -Xmx); use a smaller model or give the"
              + " coordinator more memory", parameters, mib(working), what(spec), mib(memoryBytes)));
    }
    long update = bytes(parameters, Integer.BYTES);
    if (update > uploadBufferBytes) {
      throw new InvalidJobSpecException("model", String.format(java.util.Locale.ROOT,
          "has %,d parameters, so one update is %,d MiB, more than the coordinator's update"
              + " buffer of %,d MiB (its --max-upload-buffer-mib)", parameters, mib(update),
          mib(uploadBufferBytes)));
    }
  }

  /**
   * Heap per parameter for the job's aggregation: plain FedAvg {@value #BYTES_PER_PARAMETER}; secure
   * aggregation {@value #SECURE_BYTES_PER_PARAMETER}; update clipping adds the base model and one
   * delta (8); server momentum its velocity, the base and the proposed model (12); an adaptive
   * optimiser its two moments, the base and the proposed model (16); a robust rule holds every
   * update of the round (4 per cohort member) and the base (4).
   */
  static long bytesPerParameter(JobSpec spec) {
    long each = spec.secureAggregation().enabled() ? SECURE_BYTES_PER_PARAMETER : BYTES_PER_PARAMETER;
    if (spec.robustAggregation().clips()) {
      each += 8;
    }
    if (spec.serverMomentum() > 0) {
      each += 12;
    }
    if (spec.serverOptimizer() != null) {
      each += 16;
    }
    if (spec.robustAggregation().rule().holdsUpdates()) {
      each += 4L * spec.maxParticipants() + 4;
    }
    return each;
  }

  /** Which of the costly choices the estimate includes, for the refusal. */
  private static String what(JobSpec spec) {
    java.util.List<String> parts = new java.util.ArrayList<>();
    if (spec.secureAggregation().enabled()) {
      parts.add("secure aggregation");
    }
    if (spec.robustAggregation().rule().holdsUpdates()) {
      parts.add(spec.robustAggregation().rule().key() + " holds all " + spec.maxParticipants()
          + " updates of a round (participants.max)");
    }
    if (spec.robustAggregation().clips()) {
      parts.add("update clipping");
    }
    if (spec.serverMomentum() > 0) {
      parts.add("server momentum");
    }
    if (spec.serverOptimizer() != null) {
      parts.add("a server optimiser");
    }
    return parts.isEmpty() ? " (plain FedAvg)" : " (" + String.join(", ", parts) + ")";
  }

  private static long bytes(long parameters, long each) {
    return parameters > Long.MAX_VALUE / each ? Long.MAX_VALUE : parameters * each;
  }

  private static long mib(long bytes) {
    return bytes >> 20;
  }
}
