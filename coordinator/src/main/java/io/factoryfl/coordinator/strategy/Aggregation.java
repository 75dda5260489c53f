package io.factoryfl.coordinator.strategy;

import io.factoryfl.core.params.WordSource;

/**
 * A round's aggregate under construction: updates are folded in as they arrive and then
 * discarded, so the coordinator holds O(d) memory however many sites take part.
 */
public interface Aggregation {
  /**
   * Folds in one verified update.
   *
   * @throws IllegalArgumentException if the update cannot be aggregated; nothing was added
   */
  void accept(float[] parameters, long numExamples);

  /**
   * Folds in one verified update read in chunks (it may be on disk). This default loads it whole
   * (O(d)); FedAvg folds it chunk by chunk.
   *
   * @throws IllegalArgumentException if the update cannot be aggregated; nothing was added
   */
  default void accept(WordSource parameters, long numExamples) {
    accept(parameters.toFloats(), numExamples);
  }
}
