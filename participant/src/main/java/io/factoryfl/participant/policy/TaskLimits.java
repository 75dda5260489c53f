package io.factoryfl.participant.policy;

/**
 * The sizes a task from the coordinator may ask of this site ({@code limits} in the site policy).
 * A coordinator is not fully trusted: every size in a task is checked against these before
 * anything is allocated, downloaded or read, so a hostile task is refused instead of exhausting
 * the site's memory or training without end.
 *
 * @param maxLocalEpochs most passes over the local data per round ({@code limits.max_local_epochs})
 * @param maxBatchSize largest mini-batch ({@code limits.max_batch_size})
 * @param maxHistogramBins most score-histogram bins an evaluation may ask for ({@code
 *     limits.max_histogram_bins}); the site allocates two arrays of this many counts
 * @param maxFeatures widest encoded feature vector (numeric features plus one-hot categories) and
 *     most label classes ({@code limits.max_features})
 * @param maxCohort largest secure-aggregation cohort this site keeps keys and shares for ({@code
 *     limits.max_cohort})
 * @param maxModelBytes largest model download, configuration plus 4 bytes per parameter ({@code
 *     models.max_bytes})
 */
public record TaskLimits(int maxLocalEpochs, int maxBatchSize, int maxHistogramBins, int maxFeatures,
    int maxCohort, long maxModelBytes) {

  public static final int DEFAULT_MAX_LOCAL_EPOCHS = 100;
  public static final int DEFAULT_MAX_BATCH_SIZE = 65_536;
  public static final int DEFAULT_MAX_HISTOGRAM_BINS = 100_000;
  public static final int DEFAULT_MAX_FEATURES = 10_000;
  public static final int DEFAULT_MAX_COHORT = 10_000;
  /** 10^7 parameters of 4 bytes plus room for the configuration. */
  public static final long DEFAULT_MAX_MODEL_BYTES = 64L << 20;

  public TaskLimits {
    positive("maxLocalEpochs", maxLocalEpochs);
    positive("maxBatchSize", maxBatchSize);
    positive("maxHistogramBins", maxHistogramBins);
    positive("maxFeatures", maxFeatures);
    positive("maxCohort", maxCohort);
    positive("maxModelBytes", maxModelBytes);
  }

  public static TaskLimits defaults() {
    return new TaskLimits(DEFAULT_MAX_LOCAL_EPOCHS, DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_HISTOGRAM_BINS,
        DEFAULT_MAX_FEATURES, DEFAULT_MAX_COHORT, DEFAULT_MAX_MODEL_BYTES);
  }

  private static void positive(String field, long value) {
    if (value < 1) {
      throw new IllegalArgumentException(field + " must be at least 1, was " + value);
    }
  }
}
