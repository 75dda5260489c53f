package io.factoryfl.participant.train;

import java.util.Arrays;
import java.util.Objects;

/**
 * The result of one local training run. The parameter array is copied in and out.
 *
 * @param parameters the trained flat parameter vector
 * @param numExamples number of distinct local examples trained on (the FedAvg weight), not
 *     multiplied by the epochs
 * @param trainLoss mean per-example loss over the last epoch, each minibatch's loss measured
 *     just before its update step; NaN if training diverged
 */
public record TrainingOutcome(float[] parameters, long numExamples, double trainLoss) {

  public TrainingOutcome {
    Objects.requireNonNull(parameters, "parameters must not be null");
    if (numExamples < 0) {
      throw new IllegalArgumentException("numExamples must be >= 0, was " + numExamples);
    }
    parameters = parameters.clone();
  }

  @Override
  public float[] parameters() {
    return parameters.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrainingOutcome other
        && Arrays.equals(parameters, other.parameters)
        && numExamples == other.numExamples
        && Double.compare(trainLoss, other.trainLoss) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(parameters), numExamples, trainLoss);
  }

  @Override
  public String toString() {
    return "TrainingOutcome[parameters=" + parameters.length + " floats, numExamples="
        + numExamples + ", trainLoss=" + trainLoss + "]";
  }
}
