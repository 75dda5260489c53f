package io.factoryfl.core.model;

import io.factoryfl.core.task.ClassificationTask;
import io.factoryfl.core.task.TaskFamily;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** Builds the DL4J configuration of a plain multi-layer perceptron, for any task family. */
public final class MlpTemplate {

  private MlpTemplate() {}

  /**
   * The number of parameters (weights and biases) of the MLP {@link #configurationJson} would
   * describe, from the layer sizes alone: nothing is built or allocated. Saturates at {@link
   * Long#MAX_VALUE} rather than overflowing.
   *
   * @throws IllegalArgumentException if a size is &lt; 1
   */
  public static long parameterCount(int numInputs, List<Integer> hiddenLayers, int numOutputs) {
    Objects.requireNonNull(hiddenLayers, "hiddenLayers must not be null");
    if (numInputs < 1 || numOutputs < 1) {
      throw new IllegalArgumentException(
          "numInputs and numOutputs must be >= 1, were " + numInputs + " and " + numOutputs);
    }
    try {
      long total = 0;
      long fanIn = numInputs;
      for (int i = 0; i <= hiddenLayers.size(); i++) {
        Integer width = i < hiddenLayers.size() ? hiddenLayers.get(i) : Integer.valueOf(numOutputs);
        if (width == null || width < 1) {
          throw new IllegalArgumentException(
              "hiddenLayers[" + i + "] must be >= 1, was " + width + " in " + hiddenLayers);
        }
        // a dense layer: fanIn x width weights plus width biases
        total = Math.addExact(total, Math.multiplyExact(Math.addExact(fanIn, 1), (long) width));
        fanIn = width;
      }
      return total;
    } catch (ArithmeticException overflow) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * A DL4J {@code MultiLayerConfiguration}, as JSON, of an MLP classifier: one ReLU {@code
   * DenseLayer} per entry of {@code hiddenLayers}, then a softmax {@code OutputLayer} with
   * multi-class cross-entropy loss; Xavier initialisation, Adam with {@code learningRate}, and
   * {@code seed} for the initial weights.
   *
   * @throws IllegalArgumentException if a size is &lt; 1, {@code numOutputs < 2}, or the learning
   *     rate is not finite and &gt; 0
   */
  public static String configurationJson(
      int numInputs, List<Integer> hiddenLayers, int numOutputs, double learningRate, long seed) {
    if (numOutputs < 2) {
      throw new IllegalArgumentException(
          "numOutputs must be >= 2 (softmax over classes), was " + numOutputs);
    }
    return configurationJson(numInputs, hiddenLayers,
        new ClassificationTask(java.util.stream.IntStream.range(0, numOutputs).mapToObj(String::valueOf).toList(), 1,
            List.of()), learningRate, seed);
  }

  /**
   * As {@link #configurationJson(int, List, int, double, long)}, with the output layer of {@code
   * task}: its width, activation and loss (softmax and cross-entropy for a classifier, one linear
   * unit and squared or absolute error for a regressor).
   */
  public static String configurationJson(
      int numInputs, List<Integer> hiddenLayers, TaskFamily task, double learningRate, long seed) {
    Objects.requireNonNull(hiddenLayers, "hiddenLayers must not be null");
    Objects.requireNonNull(task, "task must not be null");
    if (numInputs < 1) {
      throw new IllegalArgumentException("numInputs must be >= 1, was " + numInputs);
    }
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException(
          "learningRate must be finite and > 0, was " + learningRate);
    }
    for (int i = 0; i < hiddenLayers.size(); i++) {
      Integer width = hiddenLayers.get(i);
      if (width == null || width < 1) {
        throw new IllegalArgumentException(
            "hiddenLayers[" + i + "] must be >= 1, was " + width + " in " + hiddenLayers);
      }
    }

    NeuralNetConfiguration.ListBuilder layers =
        new NeuralNetConfiguration.Builder()
            .seed(seed)
            .weightInit(WeightInit.XAVIER)
            .updater(new Adam(learningRate))
            .list();
    int fanIn = numInputs;
    for (int width : hiddenLayers) {
      layers.layer(
          new DenseLayer.Builder().nIn(fanIn).nOut(width).activation(Activation.RELU).build());
      fanIn = width;
    }
    layers.layer(
        new OutputLayer.Builder(task.loss())
            .nIn(fanIn)
            .nOut(task.outputs())
            .activation(task.outputActivation())
            .build());
    MultiLayerConfiguration conf = layers.build();
    return conf.toJson();
  }
}
