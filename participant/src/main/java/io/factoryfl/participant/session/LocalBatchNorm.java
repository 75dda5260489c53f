package io.factoryfl.participant.session;

import io.factoryfl.core.model.BatchNormParameters;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * FedBN at the site (a job with {@code model.batch_norm: "local"}): this site's own
 * batch-normalisation values per job, spliced into each round's global model before it trains or
 * evaluates, and kept out of what it sends (it sends the global model's values for those
 * coordinates, so the coordinator's average, plain or secure, leaves them as they were).
 *
 * <p>Held in memory for the last {@value #JOBS} jobs: a site that restarts, or joins a job late,
 * starts from the global model's values and keeps its own from its next training round on.
 */
final class LocalBatchNorm {
  private static final int JOBS = 16;

  private final Map<String, float[]> byJob = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
      return size() > JOBS;
    }
  };

  /** The global parameters with this site's batch-normalisation values for {@code jobId}, if it has any. */
  synchronized float[] personalise(String jobId, BatchNormParameters layout, float[] global) {
    float[] own = byJob.get(jobId);
    return own == null || own.length != layout.count() ? global : layout.splice(global, own);
  }

  /**
   * Keeps the batch-normalisation values of {@code trained} as this site's for {@code jobId} and
   * returns what the site sends: {@code trained} with the global model's values in those coordinates.
   */
  synchronized float[] keep(String jobId, BatchNormParameters layout, float[] trained, float[] global) {
    byJob.put(jobId, layout.extract(trained));
    return layout.splice(trained, layout.extract(global));
  }
}
