package io.factoryfl.participant.policy;

import io.factoryfl.proto.v1.DatasetBinding;
import io.factoryfl.proto.v1.EvaluateTask;
import io.factoryfl.proto.v1.FeatureStatsTask;
import io.factoryfl.core.secagg.SecAggParameters;
import io.factoryfl.proto.v1.SecAggAdvertiseKeys;
import io.factoryfl.proto.v1.SecAggMaskedInput;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TrainTask;
import java.util.stream.IntStream;

/** Tasks as the coordinator sends them, for policy tests. */
final class Tasks {
  private Tasks() {}

  static Task.Builder base(String dataset, int round) {
    return Task.newBuilder().setTaskId("job-1/r" + round + "/a1/x/plant-a").setJobId("job-1")
        .setRound(round).setDataset(DatasetBinding.newBuilder().setName(dataset));
  }

  /** Training settings within every default limit. */
  static TrainTask.Builder training() {
    return TrainTask.newBuilder().setModelHash("abc").setLocalEpochs(1).setBatchSize(32)
        .setLearningRate(0.01);
  }

  static Task train(String dataset, int round) {
    return base(dataset, round).setTrain(training()).build();
  }

  static Task maskedInput(String dataset, int round) {
    return base(dataset, round).setSecaggMaskedInput(SecAggMaskedInput.newBuilder()
        .setSessionTag("tag").setTrain(training())).build();
  }

  /** A setup with the default k and t for the cohort size (2 and 2 below 3 sites). */
  static Task advertise(String dataset, int round, int cohort) {
    if (cohort < 3) {
      return advertise(dataset, round, cohort, 2, 2);
    }
    SecAggParameters defaults = SecAggParameters.defaults(cohort);
    return advertise(dataset, round, cohort, defaults.neighbours(), defaults.threshold());
  }

  static Task advertise(String dataset, int round, int cohort, int neighbours, int threshold) {
    SecAggAdvertiseKeys.Builder keys = SecAggAdvertiseKeys.newBuilder().setSessionTag("tag")
        .setThreshold(threshold).setNeighbours(neighbours).setModelHash("abc");
    IntStream.range(0, cohort).forEach(i -> keys.addCohort("plant-" + i));
    return base(dataset, round).setSecaggAdvertise(keys).build();
  }

  static Task evaluate(String dataset, int round) {
    return base(dataset, round).setEvaluate(EvaluateTask.newBuilder().setModelHash("abc")
        .setHistogramBins(10_000)).build();
  }

  static Task featureStats(String dataset) {
    return base(dataset, 0).setFeatureStats(FeatureStatsTask.getDefaultInstance()).build();
  }
}
