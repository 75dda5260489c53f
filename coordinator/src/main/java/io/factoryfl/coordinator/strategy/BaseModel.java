package io.factoryfl.coordinator.strategy;

import io.factoryfl.core.params.WordSource;

/**
 * The global model a round trains from, as a strategy sees it: its dimension, its parameters read
 * in chunks ({@link #words}), or whole ({@link #parameters}, O(d) of heap, for rules that need
 * them: clipping, server optimisers, robust aggregation). Plain FedAvg needs neither in a plain
 * round and only the chunks in a secure one, so a large model is never loaded whole for it.
 */
public interface BaseModel {
  int dimension();

  /** The parameters, whole (not to be modified). */
  float[] parameters();

  /** The parameters as float32 words, in chunks. */
  WordSource words();

  /** A model held in memory (the array is shared, not copied). */
  static BaseModel of(float[] parameters) {
    return new BaseModel() {
      @Override
      public int dimension() {
        return parameters.length;
      }

      @Override
      public float[] parameters() {
        return parameters;
      }

      @Override
      public WordSource words() {
        return WordSource.ofFloats(parameters);
      }
    };
  }
}
