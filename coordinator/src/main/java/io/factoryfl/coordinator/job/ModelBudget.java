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
   * Bytes the coordinator holds per parameter while a job trains: the global model and the next
   * one (4 + 4), the FedAvg accumulator (8), the model store's copy (4) and one update in flight
   * (4). An estimate: more uploads in flight take more, within the upload buffer budget.
   */
  static final int BYTES_PER_PARAMETER = 24;
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
    long working = bytes(parameters, BYTES_PER_PARAMETER);
    if (working > memoryBytes) {
      throw new InvalidJobSpecException("model", String.format(java.util.Locale.ROOT,
          "has %,d parameters and needs about %,d MiB of coordinator memory while it trains;"
              + " the coordinator has %,d MiB (its -Xmx); use a smaller model or give the"
              + " coordinator more memory", parameters, mib(working), mib(memoryBytes)));
    }
    long update = bytes(parameters, Integer.BYTES);
    if (update > uploadBufferBytes) {
      throw new InvalidJobSpecException("model", String.format(java.util.Locale.ROOT,
          "has %,d parameters, so one update is %,d MiB, more than the coordinator's update"
              + " buffer of %,d MiB (its --max-upload-buffer-mib)", parameters, mib(update),
          mib(uploadBufferBytes)));
    }
  }

  private static long bytes(long parameters, int each) {
    return parameters > Long.MAX_VALUE / each ? Long.MAX_VALUE : parameters * each;
  }

  private static long mib(long bytes) {
    return bytes >> 20;
  }
}
