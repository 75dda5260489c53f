package io.factoryfl.core.task;

/**
 * The range a regression label is clipped to before training and scoring, as remaining useful
 * life is commonly capped at 125 cycles: a bound left null is open.
 *
 * @param min the lowest label value, or null
 * @param max the highest label value, or null
 */
public record LabelClip(Double min, Double max) {
  /** No clipping. */
  public static final LabelClip NONE = new LabelClip(null, null);

  public LabelClip {
    if (min != null && !Double.isFinite(min) || max != null && !Double.isFinite(max)) {
      throw new IllegalArgumentException("label_clip bounds must be finite numbers, were min=" + min
          + " max=" + max);
    }
    if (min != null && max != null && !(min < max)) {
      throw new IllegalArgumentException("label_clip.min (" + min + ") must be below label_clip.max ("
          + max + ")");
    }
  }

  /** {@code value} within the bounds. */
  public double apply(double value) {
    double clipped = value;
    if (min != null) {
      clipped = Math.max(min, clipped);
    }
    if (max != null) {
      clipped = Math.min(max, clipped);
    }
    return clipped;
  }
}
