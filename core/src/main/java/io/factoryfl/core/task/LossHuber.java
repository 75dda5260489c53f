package io.factoryfl.core.task;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The Huber loss for a regression output, which DL4J does not ship: per output, {@code e^2 / 2}
 * for {@code |e| <= delta} and {@code delta (|e| - delta / 2)} beyond, with {@code e = output -
 * label}; the example's score is the sum over its outputs. Squared error near the target, absolute
 * error far from it, so a few wild labels (a sensor glitch, a mis-recorded failure) pull the model
 * less than under MSE. {@code delta} is in model units, i.e. standard deviations of the label
 * ({@link LabelScale}). Serialised in the model configuration JSON by DL4J through its bean
 * accessors, like the built-in losses.
 */
public final class LossHuber implements ILossFunction {
  private static final long serialVersionUID = 1L;

  private double delta = 1.0;

  /** For DL4J's JSON mapper; delta 1. */
  public LossHuber() {}

  public LossHuber(double delta) {
    if (!(delta > 0) || !Double.isFinite(delta)) {
      throw new IllegalArgumentException("the Huber delta must be finite and > 0, was " + delta);
    }
    this.delta = delta;
  }

  public double getDelta() {
    return delta;
  }

  public void setDelta(double delta) {
    this.delta = delta;
  }

  /** The loss of one error, as {@link #computeScoreArray} sums it. */
  public static double of(double error, double delta) {
    double abs = Math.abs(error);
    return abs <= delta ? 0.5 * error * error : delta * (abs - 0.5 * delta);
  }

  @Override
  public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    INDArray error = activationFn.getActivation(preOutput.dup(), true).subi(labels.castTo(preOutput.dataType()));
    INDArray abs = Transforms.abs(error, true);
    INDArray quadratic = error.mul(error).muli(0.5);
    INDArray linear = abs.sub(0.5 * delta).muli(delta);
    INDArray small = abs.lte(delta).castTo(preOutput.dataType());
    INDArray loss = quadratic.muli(small).addi(linear.muli(small.rsub(1.0)));
    if (mask != null) {
      loss.muliColumnVector(mask.castTo(loss.dataType()));
    }
    return loss.sum(1);
  }

  @Override
  public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
      boolean average) {
    double score = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
    return average ? score / preOutput.size(0) : score;
  }

  @Override
  public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    INDArray error = activationFn.getActivation(preOutput.dup(), true).subi(labels.castTo(preOutput.dataType()));
    // d loss / d output: e within delta, delta * sign(e) beyond
    INDArray gradient = Transforms.min(Transforms.max(error, -delta, true), delta, false);
    if (mask != null) {
      gradient.muliColumnVector(mask.castTo(gradient.dataType()));
    }
    return activationFn.backprop(preOutput.dup(), gradient).getFirst();
  }

  @Override
  public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
      INDArray mask, boolean average) {
    return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
        computeGradient(labels, preOutput, activationFn, mask));
  }

  @Override
  public String name() {
    return "LossHuber(delta=" + delta + ")";
  }

  @Override
  public String toString() {
    return name();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LossHuber other && Double.compare(delta, other.delta) == 0;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(delta);
  }
}
