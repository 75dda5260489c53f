package io.factoryfl.core.aggregate;

/**
 * Norm-bounded updates: scales a model delta down so that its L2 norm is at most a clip norm C
 * (Flower's {@code compute_clip_model_update}; Sun et al. 2019, "Can you really backdoor federated
 * learning?"). The one clipping function of the project: sites apply it to their delta before
 * secure aggregation encodes it, and the coordinator applies it to every plain update's delta from
 * the base model before a strategy folds the update in.
 *
 * <p>Exactness: a delta whose norm is at most C is left bit-for-bit unchanged. A longer one is
 * multiplied by {@code C / norm * (1 - 2^-22)}; the small margin absorbs the float rounding of the
 * scaled values and the double-precision rounding of the norm (relative error below {@code d *
 * 2^-53}, under 2^-26 for d up to 10^8), so the clipped norm lies in {@code [C * (1 - 2^-21), C]}.
 */
public final class L2Clip {
  private static final double MARGIN = 1 - 0x1p-22;

  private L2Clip() {}

  /** The Euclidean norm of {@code values}, accumulated in double precision. */
  public static double norm(float[] values) {
    double sum = 0;
    for (float v : values) {
      sum += (double) v * v;
    }
    return Math.sqrt(sum);
  }

  /**
   * Clips {@code delta} in place to L2 norm at most {@code clipNorm}.
   *
   * @param clipNorm a positive bound, or {@code Double.POSITIVE_INFINITY} for no bound
   * @return the factor the delta was multiplied by (1 if it was within the bound)
   * @throws IllegalArgumentException if the delta has a NaN or infinite value (nothing was changed),
   *     or the clip norm is not positive
   */
  public static double clipInPlace(float[] delta, double clipNorm) {
    if (!(clipNorm > 0)) {
      throw new IllegalArgumentException("the L2 clip norm must be positive, got " + clipNorm);
    }
    double norm = norm(delta);
    if (!Double.isFinite(norm)) {
      throw new IllegalArgumentException("the update has a NaN or infinite value (L2 norm " + norm
          + "); updates must be finite");
    }
    if (norm <= clipNorm) {
      return 1;
    }
    double factor = clipNorm / norm * MARGIN;
    for (int i = 0; i < delta.length; i++) {
      delta[i] = (float) (delta[i] * factor);
    }
    return factor;
  }

  /**
   * The clip norm a site was sent with its training task ({@code TrainTask.update_clip_norm}), as
   * a bound for {@link #clipInPlace}: 0 means no clipping (positive infinity).
   *
   * @throws IllegalArgumentException for a negative, NaN or infinite value, which no valid job spec
   *     produces
   */
  public static double fromTask(double updateClipNorm) {
    if (!Double.isFinite(updateClipNorm) || updateClipNorm < 0) {
      throw new IllegalArgumentException("the task's update_clip_norm is " + updateClipNorm
          + "; it must be a finite number >= 0 (0 = no L2 clipping), so the task is refused");
    }
    return updateClipNorm == 0 ? Double.POSITIVE_INFINITY : updateClipNorm;
  }
}
