package io.factoryfl.coordinator.strategy;

/**
 * The unmasked weighted mean delta of a secure round, decoded value by value from the session's
 * sum when asked, so the coordinator need not hold a decoded copy next to the sum.
 */
public interface MeanDelta {
  int dimension();

  /** The mean delta of parameter {@code i}. */
  float at(int i);

  /** All of it, decoded into a new array (O(d)). */
  default float[] toArray() {
    float[] values = new float[dimension()];
    for (int i = 0; i < values.length; i++) {
      values[i] = at(i);
    }
    return values;
  }

  /** A mean delta held in memory (not copied). */
  static MeanDelta of(float[] values) {
    return new MeanDelta() {
      @Override
      public int dimension() {
        return values.length;
      }

      @Override
      public float at(int i) {
        return values[i];
      }

      @Override
      public float[] toArray() {
        return values;
      }
    };
  }
}
