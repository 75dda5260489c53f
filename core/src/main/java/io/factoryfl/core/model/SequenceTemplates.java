package io.factoryfl.core.model;

import io.factoryfl.core.task.TaskFamily;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The DL4J configurations of the sequence templates, for a job with {@code dataset.sequence}. The
 * network's input is the flat, feature-major window a site encodes ({@code features x window}
 * values); {@link FlatToSequence} reshapes it to {@code [batch, features, window]} for the first
 * sequence layer.
 *
 * <ul>
 *   <li>{@code lstm}: one tanh LSTM layer per entry of {@code units}, the last one's output at the
 *       window's last step ({@link LastTimeStep}), then ReLU dense layers ({@code hidden}) and the
 *       task's output layer.
 *   <li>{@code cnn1d}: one ReLU 1-D convolution per entry of {@code filters}, kernel {@code
 *       kernel}, stride 1 and "same" padding (the window keeps its length), then the last
 *       convolution's output flattened ({@link SequenceToFlat}), ReLU dense layers ({@code hidden})
 *       and the task's output layer.
 * </ul>
 *
 * Xavier initialisation, Adam with the learning rate, the seed for the initial weights, as {@link
 * MlpTemplate}.
 */
public final class SequenceTemplates {
  private SequenceTemplates() {}

  /** The {@code lstm} template's configuration JSON. */
  public static String lstm(int features, int window, List<Integer> units, List<Integer> hidden, TaskFamily task,
      double learningRate, long seed) {
    check(features, window, units, "units", hidden, task, learningRate);
    NeuralNetConfiguration.ListBuilder layers = builder(learningRate, seed);
    int fanIn = features;
    for (int i = 0; i < units.size(); i++) {
      LSTM lstm = new LSTM.Builder().nIn(fanIn).nOut(units.get(i)).activation(Activation.TANH).build();
      layers.layer(i == units.size() - 1 ? new LastTimeStep(lstm) : lstm);
      fanIn = units.get(i);
    }
    layers.inputPreProcessor(0, new FlatToSequence(features, window));
    return head(layers, units.size(), fanIn, hidden, task);
  }

  /** The {@code cnn1d} template's configuration JSON. */
  public static String cnn1d(int features, int window, List<Integer> filters, int kernel, List<Integer> hidden,
      TaskFamily task, double learningRate, long seed) {
    check(features, window, filters, "filters", hidden, task, learningRate);
    if (kernel < 1 || kernel > window) {
      throw new IllegalArgumentException("kernel must be between 1 and the window " + window + ", was " + kernel);
    }
    NeuralNetConfiguration.ListBuilder layers = builder(learningRate, seed);
    int channels = features;
    for (int filter : filters) {
      layers.layer(new Convolution1DLayer.Builder().kernelSize(kernel).stride(1)
          .convolutionMode(ConvolutionMode.Same).nIn(channels).nOut(filter).activation(Activation.RELU).build());
      channels = filter;
    }
    layers.inputPreProcessor(0, new FlatToSequence(features, window));
    layers.inputPreProcessor(filters.size(), new SequenceToFlat(channels, window));
    return head(layers, filters.size(), Math.multiplyExact(channels, window), hidden, task);
  }

  private static NeuralNetConfiguration.ListBuilder builder(double learningRate, long seed) {
    return new NeuralNetConfiguration.Builder().seed(seed).weightInit(WeightInit.XAVIER)
        .updater(new Adam(learningRate)).list();
  }

  private static String head(NeuralNetConfiguration.ListBuilder layers, int at, int fanIn, List<Integer> hidden,
      TaskFamily task) {
    for (int width : hidden) {
      layers.layer(at++, new DenseLayer.Builder().nIn(fanIn).nOut(width).activation(Activation.RELU).build());
      fanIn = width;
    }
    layers.layer(at, new OutputLayer.Builder(task.loss()).nIn(fanIn).nOut(task.outputs())
        .activation(task.outputActivation()).build());
    return layers.build().toJson();
  }

  private static void check(int features, int window, List<Integer> sizes, String name, List<Integer> hidden,
      TaskFamily task, double learningRate) {
    Objects.requireNonNull(sizes, name);
    Objects.requireNonNull(hidden, "hidden");
    Objects.requireNonNull(task, "task");
    if (features < 1 || window < 1) {
      throw new IllegalArgumentException("features and window must be >= 1, were " + features + " and " + window);
    }
    if (sizes.isEmpty()) {
      throw new IllegalArgumentException(name + " must list at least one layer size");
    }
    for (List<Integer> list : List.of(sizes, hidden)) {
      for (Integer size : list) {
        if (size == null || size < 1) {
          throw new IllegalArgumentException("layer sizes must be >= 1, got " + list);
        }
      }
    }
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learningRate must be finite and > 0, was " + learningRate);
    }
  }
}
