package io.factoryfl.core.task;

/**
 * The federation's standardisation of a regression label: the model learns {@code (y - mean) /
 * std} and its output maps back to label units as {@code output * std + mean}. Both come from the
 * round-0 statistics of the (clipped) label, as the features' do.
 */
public record LabelScale(double mean, double std) {
  /** No standardisation: a classifier's, or a label used as it is. */
  public static final LabelScale IDENTITY = new LabelScale(0, 1);

  public LabelScale {
    if (!Double.isFinite(mean) || !(std > 0) || !Double.isFinite(std)) {
      throw new IllegalArgumentException("a label scale needs a finite mean and a finite std > 0, got mean="
          + mean + " std=" + std);
    }
  }

  /** A label in model units. */
  public double standardise(double label) {
    return (label - mean) / std;
  }

  /** A model output in label units. */
  public double toLabel(double output) {
    return output * std + mean;
  }
}
