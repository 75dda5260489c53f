package io.factoryfl.participant.policy;

import io.factoryfl.proto.v1.CategoricalFeature;
import io.factoryfl.proto.v1.DatasetBinding;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TrainTask;

/**
 * Every size a task asks of the site, against the policy's {@link TaskLimits}: checked when the
 * task arrives, before a model is downloaded, a file is read or an array is allocated.
 */
final class TaskSizes {
  /** Longest column, category or class name a task may carry. */
  static final int MAX_NAME_CHARS = 1024;
  /** The most values one image may have: 4096 x 4096 grey (a 2048 x 2048 colour image is 12.6 M). */
  static final long MAX_IMAGE_VALUES = 4096L * 4096L;
  /** The most image values a training batch may hold: 1 GiB of float32. */
  static final long MAX_BATCH_VALUES = 1L << 28;

  private TaskSizes() {}

  static PolicyDecision check(Task task, TaskLimits limits) {
    PolicyDecision binding = binding(task.getDataset(), limits);
    if (!binding.allowed()) {
      return binding;
    }
    return switch (task.getKindCase()) {
      case TRAIN -> {
        PolicyDecision images = images(task.getDataset(), task.getTrain());
        yield images.allowed() ? training(task.getTrain(), limits) : images;
      }
      case SECAGG_MASKED_INPUT -> {
        PolicyDecision peers = cohort("shares", task.getSecaggMaskedInput().getSharesCount(), limits);
        if (!peers.allowed() || task.getSecaggMaskedInput().hasStatistics()) {
          yield peers;
        }
        PolicyDecision images = images(task.getDataset(), task.getSecaggMaskedInput().getTrain());
        yield images.allowed() ? training(task.getSecaggMaskedInput().getTrain(), limits) : images;
      }
      case EVALUATE -> {
        int bins = task.getEvaluate().getHistogramBins();
        if (bins < 2 || bins > limits.maxHistogramBins()) {
          yield PolicyDecision.refuse("evaluation asks for " + bins + " histogram bins; this site"
              + " allows 2 to " + limits.maxHistogramBins() + " (limits.max_histogram_bins)");
        }
        yield PolicyDecision.allow();
      }
      case SECAGG_ADVERTISE -> cohort("cohort", task.getSecaggAdvertise().getCohortCount(), limits);
      case SECAGG_SHARE_KEYS -> cohort("keys", task.getSecaggShareKeys().getKeysCount(), limits);
      case SECAGG_CONSISTENCY -> cohort("survivors", task.getSecaggConsistency().getSurvivorsCount(),
          limits);
      case SECAGG_UNMASK -> cohort("survivors and dropped",
          task.getSecaggUnmask().getSurvivorsCount() + task.getSecaggUnmask().getDroppedCount(), limits);
      default -> PolicyDecision.allow();
    };
  }

  private static PolicyDecision images(DatasetBinding binding, TrainTask train) {
    long values = (long) binding.getImages().getHeight() * binding.getImages().getWidth()
        * Math.max(1, binding.getImages().getChannels());
    if (binding.hasImages() && values * train.getBatchSize() > MAX_BATCH_VALUES) {
      return PolicyDecision.refuse("the task asks for batches of " + train.getBatchSize() + " images of " + values
          + " values, " + values * train.getBatchSize() + " in all; this site holds at most " + MAX_BATCH_VALUES
          + " values (1 GiB) in a batch: a smaller batch size would fit");
    }
    return PolicyDecision.allow();
  }

  private static PolicyDecision training(TrainTask train, TaskLimits limits) {
    if (train.getLocalEpochs() < 1 || train.getLocalEpochs() > limits.maxLocalEpochs()) {
      return PolicyDecision.refuse("the task asks for " + train.getLocalEpochs() + " local epochs;"
          + " this site allows 1 to " + limits.maxLocalEpochs() + " (limits.max_local_epochs)");
    }
    if (train.getBatchSize() < 1 || train.getBatchSize() > limits.maxBatchSize()) {
      return PolicyDecision.refuse("the task asks for batch size " + train.getBatchSize()
          + "; this site allows 1 to " + limits.maxBatchSize() + " (limits.max_batch_size)");
    }
    return PolicyDecision.allow();
  }

  private static PolicyDecision cohort(String what, int count, TaskLimits limits) {
    if (count > limits.maxCohort()) {
      return PolicyDecision.refuse("the secure-aggregation task lists " + count + " " + what
          + "; this site takes part in cohorts of at most " + limits.maxCohort()
          + " (limits.max_cohort)");
    }
    return PolicyDecision.allow();
  }

  private static PolicyDecision binding(DatasetBinding binding, TaskLimits limits) {
    long width = binding.getNumericFeaturesCount();
    for (CategoricalFeature feature : binding.getCategoricalFeaturesList()) {
      width += feature.getCategoriesCount();
    }
    if (width > limits.maxFeatures()) {
      return PolicyDecision.refuse("the job's features encode to " + width + " inputs; this site"
          + " allows at most " + limits.maxFeatures() + " (limits.max_features)");
    }
    // A window of W rows is one example of W times the row's width.
    long window = Math.max(1, binding.getSequenceWindow());
    if (width * window > limits.maxFeatures()) {
      return PolicyDecision.refuse("the job's windows of " + window + " rows encode to " + width * window
          + " inputs; this site allows at most " + limits.maxFeatures() + " (limits.max_features)");
    }
    if (binding.hasImages()) {
      // an image of h x w x c values is one example; refuse before any buffer is sized from it
      long values = (long) binding.getImages().getHeight() * binding.getImages().getWidth()
          * Math.max(1, binding.getImages().getChannels());
      if (values > MAX_IMAGE_VALUES) {
        return PolicyDecision.refuse("the job's images are " + binding.getImages().getHeight() + " x "
            + binding.getImages().getWidth() + " x " + binding.getImages().getChannels() + " = " + values
            + " values each; this site reads images of at most " + MAX_IMAGE_VALUES + " values");
      }
    }
    if (binding.getLabelClassesCount() > limits.maxFeatures()) {
      return PolicyDecision.refuse("the job lists " + binding.getLabelClassesCount()
          + " label classes; this site allows at most " + limits.maxFeatures()
          + " (limits.max_features)");
    }
    if (tooLong(binding.getName()) || tooLong(binding.getLabelColumn())
        || binding.getNumericFeaturesList().stream().anyMatch(TaskSizes::tooLong)
        || binding.getLabelClassesList().stream().anyMatch(TaskSizes::tooLong)
        || binding.getCategoricalFeaturesList().stream().anyMatch(feature -> tooLong(feature.getColumn())
            || feature.getCategoriesList().stream().anyMatch(TaskSizes::tooLong))) {
      return PolicyDecision.refuse("the job's dataset binding carries a name longer than "
          + MAX_NAME_CHARS + " characters");
    }
    return PolicyDecision.allow();
  }

  private static boolean tooLong(String name) {
    return name.length() > MAX_NAME_CHARS;
  }
}
