package io.factoryfl.core.secagg;

import java.util.Arrays;
import java.util.Objects;

/**
 * The layout of a site's masked input in a training round of a model with {@code d} parameters:
 * {@code d + 2} words, the fixed-point update delta (words {@code 0..d-1}), the site's training loss
 * ({@link #lossIndex}) and its example count ({@link #countIndex}, last, as {@link FixedPoint}
 * writes it). Site and coordinator take the layout from here only.
 *
 * <p>The loss travels inside the secure sum so that no per-site loss is in the clear: a site's
 * loss is clipped to {@code [0, }{@link #LOSS_CAP}{@code ]} (a loss above the cap, or a non-finite
 * one, counts as the cap) and mapped linearly onto {@code [-c, c]}, the clip range of the update
 * coordinates. {@link FixedPoint} then weights, rounds, masks and range-checks it like any other
 * coordinate, and the coordinator, which decodes the example-weighted mean of the mapped values,
 * maps that back to the example-weighted mean loss of the contributors ({@link #meanLoss}) and
 * learns nothing about a single site's loss. The loss's quantisation error is the coordinate's
 * ({@link FixedPoint#errorBound}) times {@code LOSS_CAP / (2 c)}.
 *
 * @param dimension the model's parameter count d
 */
public record MaskedLayout(int dimension) {
  /**
   * The largest training loss a site's masked input can carry. Cross-entropy of a float32 softmax
   * stays below about 104 per example, and a model whose mean loss is above 100 is not learning;
   * such a loss is carried as 100.
   */
  public static final double LOSS_CAP = 100;

  public MaskedLayout {
    if (dimension < 1 || dimension > Integer.MAX_VALUE - 2) {
      throw new IllegalArgumentException("dimension must be from 1 to " + (Integer.MAX_VALUE - 2) + ", got "
          + dimension);
    }
  }

  /** The index of the loss word. */
  public int lossIndex() {
    return dimension;
  }

  /** The index of the example-count word, the last. */
  public int countIndex() {
    return dimension + 1;
  }

  /** The number of words of a masked input: {@code d + 2}. */
  public int words() {
    return dimension + 2;
  }

  /**
   * The values a site encodes with {@link FixedPoint#encode}: its delta followed by its loss,
   * clipped to {@code [0, LOSS_CAP]} and mapped onto {@code [-clip, clip]}.
   *
   * @throws IllegalArgumentException if the delta does not have {@code d} values
   */
  public float[] values(float[] delta, double trainLoss, double clip) {
    Objects.requireNonNull(delta, "delta");
    if (delta.length != dimension) {
      throw new IllegalArgumentException("the update has " + delta.length + " values; the model has "
          + dimension);
    }
    float[] values = Arrays.copyOf(delta, dimension + 1);
    values[lossIndex()] = (float) (cappedLoss(trainLoss) / LOSS_CAP * 2 * clip - clip);
    return values;
  }

  /** The update part of a decoded mean: its first {@code d} values. */
  public float[] meanDelta(FixedPoint.Decoded decoded) {
    float[] mean = requireLength(decoded);
    return Arrays.copyOf(mean, dimension);
  }

  /**
   * The example-weighted mean training loss of the contributors, from the loss coordinate of a
   * decoded mean, within {@code [0, LOSS_CAP]}.
   */
  public double meanLoss(FixedPoint.Decoded decoded, double clip) {
    double coordinate = requireLength(decoded)[lossIndex()];
    double loss = (coordinate + clip) / (2 * clip) * LOSS_CAP;
    // The decode range check lets a sum exceed +-c by the rounding slack: clamp to the cap range.
    return Math.max(0, Math.min(LOSS_CAP, loss));
  }

  /** A site's loss as it is carried: within [0, LOSS_CAP], non-finite as the cap. */
  static double cappedLoss(double trainLoss) {
    if (Double.isNaN(trainLoss)) {
      return LOSS_CAP;
    }
    return Math.max(0, Math.min(LOSS_CAP, trainLoss));
  }

  private float[] requireLength(FixedPoint.Decoded decoded) {
    float[] mean = Objects.requireNonNull(decoded, "decoded").mean();
    if (mean.length != dimension + 1) {
      throw new IllegalArgumentException("the decoded mean has " + mean.length + " values; a masked input of a"
          + " model with " + dimension + " parameters decodes to " + (dimension + 1) + " (update and loss)");
    }
    return mean;
  }
}
