package io.factoryfl.coordinator.strategy;

/** A Byzantine-robust way to combine a round's individual updates into the next model. */
interface RobustRule {
  /**
   * @param rows the round's n updates (full parameter vectors of equal length d), in a canonical
   *     order; not modified
   * @return the combined parameters, length d
   */
  float[] combine(float[][] rows);

  /** The rule's name in the job spec. */
  String key();
}
