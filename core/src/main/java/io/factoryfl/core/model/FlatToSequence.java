package io.factoryfl.core.model;

import java.util.Objects;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.preprocessor.BaseInputPreProcessor;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

/**
 * A DL4J input preprocessor that reshapes a flat, feature-major window {@code [batch, features *
 * steps]} (value {@code f * steps + t} is feature {@code f} at step {@code t}, see {@link
 * io.factoryfl.core.data.SequenceSpec}) into the {@code [batch, features, steps]} (NCW) input of a
 * recurrent or 1-D convolution layer, and the layer's gradient back. Serialised in the model
 * configuration JSON by DL4J (its mapper reads and writes fields), so the network input stays the
 * flat window a site encodes.
 */
public final class FlatToSequence extends BaseInputPreProcessor {
  private static final long serialVersionUID = 1L;

  private int features;
  private int steps;

  /** For DL4J's JSON mapper. */
  public FlatToSequence() {}

  public FlatToSequence(int features, int steps) {
    if (features < 1 || steps < 1) {
      throw new IllegalArgumentException("features and steps must be >= 1, were " + features + " and " + steps);
    }
    this.features = features;
    this.steps = steps;
  }

  // Bean accessors: DL4J's JSON mapper reads and writes a preprocessor through them.
  public int getFeatures() {
    return features;
  }

  public void setFeatures(int features) {
    this.features = features;
  }

  public int getSteps() {
    return steps;
  }

  public void setSteps(int steps) {
    this.steps = steps;
  }

  /** The width of the flat input: features x steps. */
  public long inputs() {
    return (long) features * steps;
  }

  @Override
  public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
    if (input.rank() != 2 || input.size(1) != inputs()) {
      throw new IllegalStateException("expected a flat window of shape [batch, " + inputs() + "] (" + features
          + " features x " + steps + " steps), got " + java.util.Arrays.toString(input.shape()));
    }
    INDArray flat = input;
    if (flat.ordering() != 'c' || !Shape.hasDefaultStridesForShape(flat)) {
      flat = workspaceMgr.dup(ArrayType.ACTIVATIONS, flat, 'c');
    }
    return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, flat.reshape('c', flat.size(0), features, steps));
  }

  @Override
  public INDArray backprop(INDArray output, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
    INDArray epsilon = output;
    if (epsilon.ordering() != 'c' || !Shape.hasDefaultStridesForShape(epsilon)) {
      epsilon = workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, epsilon, 'c');
    }
    return workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, epsilon.reshape('c', epsilon.size(0), inputs()));
  }

  @Override
  public InputType getOutputType(InputType inputType) {
    return InputType.recurrent(features, steps, RNNFormat.NCW);
  }

  @Override
  public FlatToSequence clone() {
    return new FlatToSequence(features, steps);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FlatToSequence other && features == other.features && steps == other.steps;
  }

  @Override
  public int hashCode() {
    return Objects.hash(features, steps);
  }

  @Override
  public String toString() {
    return "FlatToSequence(features=" + features + ", steps=" + steps + ")";
  }
}
