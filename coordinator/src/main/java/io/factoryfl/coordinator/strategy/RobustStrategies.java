package io.factoryfl.coordinator.strategy;

import io.factoryfl.core.job.InvalidJobSpecException;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.RobustAggregationSpec;
import io.factoryfl.core.model.ModelDefinition;
import java.util.Locale;

/**
 * Builds a job's defence against poisoning from its {@code robust_aggregation} spec by wrapping the
 * base strategy: {@code UpdateClipping(RobustAggregate(inner, rule))}, each layer only when asked
 * for. Clipping is outermost so every rule sees norm-bounded updates.
 */
public final class RobustStrategies {
  /**
   * The most memory the update vectors a robust rule holds may take: participants.max * d * 4
   * bytes. 1 GiB leaves room for the rest of the coordinator under the launcher's default 4 GiB
   * heap (e.g. 100 sites of 2.6 million parameters).
   */
  public static final long MAX_HELD_BYTES = 1L << 30;

  private RobustStrategies() {}

  /** As {@link #wrap(Strategy, JobSpec, long)}, with the dimension of the job's model. */
  public static Strategy wrap(Strategy inner, JobSpec spec) {
    RobustAggregationSpec robust = spec.robustAggregation();
    long dimension = robust.rule().holdsUpdates()
        ? ModelDefinition.fromJson(spec.modelConfigurationJson()).numParameters() : 0;
    return wrap(inner, spec, dimension);
  }

  /**
   * Wraps {@code inner} (FedAvg) as the job's robust_aggregation asks.
   *
   * @param dimension the model's parameter count, to bound the memory of rules that hold updates
   * @throws InvalidJobSpecException if the rule would hold more than {@link #MAX_HELD_BYTES}
   */
  public static Strategy wrap(Strategy inner, JobSpec spec, long dimension) {
    RobustAggregationSpec robust = spec.robustAggregation();
    Strategy strategy = inner;
    if (robust.rule().holdsUpdates()) {
      checkMemory(robust.rule().key(), spec.maxParticipants(), dimension);
      strategy = new RobustAggregate(inner, spec, rule(robust, spec));
    }
    if (robust.clips()) {
      strategy = new UpdateClipping(strategy, robust.clipNorm());
    }
    return strategy;
  }

  private static RobustRule rule(RobustAggregationSpec robust, JobSpec spec) {
    return switch (robust.rule()) {
      case MEDIAN -> new CoordinateMedian();
      case TRIMMED_MEAN -> new TrimmedMean(robust::trimCount);
      case MULTI_KRUM -> new MultiKrum(robust.byzantine(), robust.krumSelect());
      case FEDAVG -> throw new IllegalArgumentException("fedavg holds no updates");
    };
  }

  private static void checkMemory(String rule, int maxParticipants, long dimension) {
    long bytes = (long) maxParticipants * dimension * Float.BYTES;
    if (dimension > 0 && bytes > MAX_HELD_BYTES) {
      long fits = MAX_HELD_BYTES / (dimension * Float.BYTES);
      throw new InvalidJobSpecException("robust_aggregation.rule", String.format(Locale.ROOT,
          "was %s, which holds every update of a round: participants.max (%d) x %d parameters x 4"
              + " bytes = %.2f GB, above the coordinator's limit of %.2f GB. %suse a smaller"
              + " model, or use rule fedavg with clip_norm, which streams updates in O(d) memory",
          rule, maxParticipants, dimension, bytes / 1e9, MAX_HELD_BYTES / 1e9,
          fits >= 1 ? "Lower participants.max to at most " + fits + ", " : ""));
    }
  }
}
