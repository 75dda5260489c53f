package io.factoryfl.participant.train;

import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.participant.data.EncodedData;
import java.util.Objects;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Trains a model on a site's local data, starting from given parameters: plain minibatch training
 * with the model's updater (Adam from {@code MlpTemplate}) at the settings' learning rate.
 *
 * <p>Deterministic: the examples are reshuffled every epoch by a {@link SplittableRandom} seeded
 * with {@link TrainingSettings#seed()}, and the updater state starts fresh, so equal inputs give
 * bit-identical parameters. Each call builds its own network, so calls from several threads at
 * once do not interfere.
 */
public final class LocalTrainer {

  private LocalTrainer() {}

  /**
   * Trains for {@code settings.epochs()} epochs and returns the resulting parameters.
   *
   * @throws IllegalArgumentException if there are no examples, the feature width does not match
   *     the model's inputs, a label is not a model class, or the parameter vector has the wrong
   *     length
   */
  public static TrainingOutcome train(
      ModelDefinition model, float[] startParameters, EncodedData data, TrainingSettings settings) {
    Objects.requireNonNull(model, "model must not be null");
    Objects.requireNonNull(startParameters, "startParameters must not be null");
    Objects.requireNonNull(data, "data must not be null");
    Objects.requireNonNull(settings, "settings must not be null");
    if (data.size() == 0) {
      throw new IllegalArgumentException("no local examples to train on");
    }
    if (data.numFeatures() != model.numInputs()) {
      throw new IllegalArgumentException(
          "encoded data has " + data.numFeatures() + " features per example but the model expects "
              + model.numInputs() + " inputs; check that the dataset schema matches the model");
    }
    MultiLayerNetwork network = model.newNetwork(startParameters);
    network.setLearningRate(settings.learningRate());
    // Converted once; each epoch gathers a shuffled copy and steps through contiguous views of it.
    INDArray features = data.featureMatrix();
    INDArray labels = data.labelMatrix(model.numOutputs());

    int n = data.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(settings.seed());
    double epochLoss = Double.NaN;
    for (int epoch = 0; epoch < settings.epochs(); epoch++) {
      shuffle(order, random);
      INDArray epochFeatures = Nd4j.pullRows(features, 1, order);
      INDArray epochLabels = Nd4j.pullRows(labels, 1, order);
      double lossSum = 0;
      for (int start = 0; start < n; start += settings.batchSize()) {
        int end = Math.min(n, start + settings.batchSize());
        network.fit(
            epochFeatures.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()),
            epochLabels.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()));
        // score() is the minibatch's mean loss from the forward pass of this step
        lossSum += network.score() * (end - start);
      }
      epochLoss = lossSum / n;
    }
    return new TrainingOutcome(network.params().toFloatVector(), n, epochLoss);
  }

  /** Fisher-Yates shuffle. */
  private static void shuffle(int[] values, SplittableRandom random) {
    for (int i = values.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = values[i];
      values[i] = values[j];
      values[j] = swap;
    }
  }
}
