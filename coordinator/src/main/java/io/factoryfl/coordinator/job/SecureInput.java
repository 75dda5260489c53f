package io.factoryfl.coordinator.job;

import io.factoryfl.core.data.FeatureStats;
import io.factoryfl.core.secagg.FixedPoint;
import io.factoryfl.core.secagg.MaskedLayout;
import io.factoryfl.core.secagg.StatisticsLayout;
import io.factoryfl.core.secagg.TrainingBinding;
import io.factoryfl.proto.v1.DatasetBinding;
import io.factoryfl.proto.v1.FeatureStatsTask;
import io.factoryfl.proto.v1.SecAggAdvertiseKeys;
import io.factoryfl.proto.v1.SecAggMaskedInput;
import io.factoryfl.proto.v1.TrainTask;
import java.util.List;
import java.util.Map;

/**
 * What the sites of one secure session put into the sum: a training round's model deltas ({@link
 * Training}) or round 0's feature statistics ({@link Statistics}). It fixes the session's subject
 * and binding, the length of a masked input, and what the stage-1 and stage-3 tasks carry; the
 * five stages themselves ({@link SecureRound}) are the same for both.
 */
sealed interface SecureInput {
  /** The model hash the session is about, or the statistics subject. */
  String subject();

  /** Everything that shapes a site's input, bound into the session id. */
  TrainingBinding binding();

  /** The number of words of one masked input. */
  int words();

  /** Adds to a stage-1 setup for {@code id} what the site will be asked to compute. */
  void describe(String id, SecAggAdvertiseKeys.Builder setup);

  /** Adds to the stage-3 task for {@code id} what to compute. */
  void ask(String id, SecAggMaskedInput.Builder task);

  /** Whether each accepted masked input is a round-log contribution (training rounds only). */
  boolean contributes();

  /**
   * A training round: each site trains from {@code base} with its own train task, and all tasks
   * must bind alike (all but the shuffle seed).
   *
   * @param dimension the base model's parameter count
   * @throws IllegalArgumentException if two sites' tasks bind differently, naming them
   */
  static Training training(String base, int dimension, Map<String, TrainTask> trains, DatasetBinding dataset,
      long maxExamples) {
    List<String> ids = List.copyOf(trains.keySet());
    TrainingBinding binding = TrainingBinding.of(trains.get(ids.get(0)), dataset, maxExamples);
    for (Map.Entry<String, TrainTask> train : trains.entrySet()) {
      if (!TrainingBinding.of(train.getValue(), dataset, maxExamples).equals(binding)) {
        throw new IllegalArgumentException("secure aggregation needs every site of a round to train with the"
            + " same settings (all but the shuffle seed are bound into the session), but the strategy gave '"
            + train.getKey() + "' other settings than '" + ids.get(0) + "'");
      }
    }
    return new Training(base, binding, new MaskedLayout(dimension), Map.copyOf(trains));
  }

  /** Round 0 of job {@code jobId}: each site's feature statistics over the job's numeric features. */
  static Statistics statistics(String jobId, DatasetBinding dataset, long maxExamples) {
    return new Statistics(TrainingBinding.statistics(jobId, dataset, maxExamples),
        new StatisticsLayout(StatisticsLayout.columnsOf(dataset).size()));
  }

  /** Model deltas, laid out by {@link MaskedLayout}. */
  record Training(String subject, TrainingBinding binding, MaskedLayout layout, Map<String, TrainTask> trains)
      implements SecureInput {
    @Override
    public int words() {
      return layout.words();
    }

    @Override
    public void describe(String id, SecAggAdvertiseKeys.Builder setup) {
      setup.setTrain(trains.get(id));
    }

    @Override
    public void ask(String id, SecAggMaskedInput.Builder task) {
      task.setTrain(trains.get(id));
    }

    @Override
    public boolean contributes() {
      return true;
    }

    /**
     * The weighted mean of the contributors' clipped deltas (and their training loss) from the
     * session's sum.
     *
     * @throws IllegalArgumentException if no honest encodings can produce the sum
     */
    FixedPoint.Decoded decode(SecureRound.Result result, long maxExamples) {
      return FixedPoint.decode(result.sum(), result.parameters(), result.cohortSize(), result.contributors(),
          maxExamples);
    }

    /** The update part of a decoded mean, for the strategy. */
    io.factoryfl.coordinator.strategy.MeanDelta meanDelta(FixedPoint.Decoded decoded) {
      return io.factoryfl.coordinator.strategy.MeanDelta.of(layout.meanDelta(decoded));
    }
  }

  /** Feature statistics in exact integer limbs, laid out by {@link StatisticsLayout}. */
  record Statistics(TrainingBinding binding, StatisticsLayout layout) implements SecureInput {
    @Override
    public String subject() {
      return binding.modelHash();
    }

    @Override
    public int words() {
      return layout.words();
    }

    @Override
    public void describe(String id, SecAggAdvertiseKeys.Builder setup) {
      setup.setStatistics(FeatureStatsTask.getDefaultInstance());
    }

    @Override
    public void ask(String id, SecAggMaskedInput.Builder task) {
      task.setStatistics(FeatureStatsTask.getDefaultInstance());
    }

    @Override
    public boolean contributes() {
      return false;
    }

    /**
     * The statistics of the contributors' union (each weighed as at most W rows) from the
     * session's sum.
     *
     * @throws IllegalArgumentException if no honest encodings can produce the sum
     */
    FeatureStats decode(SecureRound.Result result, long maxExamples) {
      return layout.decode(result.sum(), result.contributors(), result.cohortSize(), maxExamples);
    }
  }
}
