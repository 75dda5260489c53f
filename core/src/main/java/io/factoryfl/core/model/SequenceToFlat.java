package io.factoryfl.core.model;

import java.util.Objects;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.preprocessor.BaseInputPreProcessor;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

/**
 * The inverse of {@link FlatToSequence}: flattens a 1-D convolution's {@code [batch, channels,
 * steps]} (NCW) output into {@code [batch, channels * steps]}, channel-major, for the dense layers
 * after it (DL4J's own RNN-to-feed-forward preprocessor treats each step as an example instead).
 */
public final class SequenceToFlat extends BaseInputPreProcessor {
  private static final long serialVersionUID = 1L;

  private int channels;
  private int steps;

  /** For DL4J's JSON mapper. */
  public SequenceToFlat() {}

  public SequenceToFlat(int channels, int steps) {
    if (channels < 1 || steps < 1) {
      throw new IllegalArgumentException("channels and steps must be >= 1, were " + channels + " and " + steps);
    }
    this.channels = channels;
    this.steps = steps;
  }

  // Bean accessors: DL4J's JSON mapper reads and writes a preprocessor through them.
  public int getChannels() {
    return channels;
  }

  public void setChannels(int channels) {
    this.channels = channels;
  }

  public int getSteps() {
    return steps;
  }

  public void setSteps(int steps) {
    this.steps = steps;
  }

  /** The width of the flat output: channels x steps. */
  public long outputs() {
    return (long) channels * steps;
  }

  @Override
  public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
    if (input.rank() != 3 || input.size(1) != channels || input.size(2) != steps) {
      throw new IllegalStateException("expected a sequence of shape [batch, " + channels + ", " + steps + "], got "
          + java.util.Arrays.toString(input.shape()));
    }
    INDArray sequence = input;
    if (sequence.ordering() != 'c' || !Shape.hasDefaultStridesForShape(sequence)) {
      sequence = workspaceMgr.dup(ArrayType.ACTIVATIONS, sequence, 'c');
    }
    return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, sequence.reshape('c', sequence.size(0), outputs()));
  }

  @Override
  public INDArray backprop(INDArray output, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
    INDArray epsilon = output;
    if (epsilon.ordering() != 'c' || !Shape.hasDefaultStridesForShape(epsilon)) {
      epsilon = workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, epsilon, 'c');
    }
    return workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD,
        epsilon.reshape('c', epsilon.size(0), channels, steps));
  }

  @Override
  public InputType getOutputType(InputType inputType) {
    return InputType.feedForward(outputs());
  }

  @Override
  public SequenceToFlat clone() {
    return new SequenceToFlat(channels, steps);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SequenceToFlat other && channels == other.channels && steps == other.steps;
  }

  @Override
  public int hashCode() {
    return Objects.hash(channels, steps);
  }

  @Override
  public String toString() {
    return "SequenceToFlat(channels=" + channels + ", steps=" + steps + ")";
  }
}
