package io.factoryfl.coordinator.strategy;

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
}
