package io.factoryfl.core.model;

import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.core.task.TaskFamily;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The {@code cnn} template: a small image classifier for {@code dataset.images}.
 *
 * <p>One block per entry of {@code filters}: a {@code kernel x kernel} convolution with that many
 * filters (stride 1, "same" padding), batch normalisation (when {@code batchNorm}), ReLU, then
 * 2 x 2 max pooling with stride 2 while the image is at least 2 pixels on each side; then ReLU dense
 * {@code hidden} layers and the task's output layer. He initialisation for the ReLU layers, Xavier
 * for the output, Adam with the learning rate and the seed for the initial weights, as {@link
 * MlpTemplate}.
 *
 * <p>The network reads the flat, channel-major image a site encodes ({@link ImageSpec}); DL4J's
 * {@code FeedForwardToCnnPreProcessor}, set by {@code InputType.convolutionalFlat}, reshapes it to
 * {@code [batch, channels, height, width]}.
 */
public final class CnnTemplate {
  private CnnTemplate() {}

  /** The configuration JSON. */
  public static String configurationJson(ImageSpec image, List<Integer> filters, int kernel, List<Integer> hidden,
      boolean batchNorm, TaskFamily task, double learningRate, long seed) {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(filters, "filters");
    Objects.requireNonNull(hidden, "hidden");
    Objects.requireNonNull(task, "task");
    if (filters.isEmpty()) {
      throw new IllegalArgumentException("filters must list at least one convolution block");
    }
    for (List<Integer> sizes : List.of(filters, hidden)) {
      for (Integer size : sizes) {
        if (size == null || size < 1) {
          throw new IllegalArgumentException("layer sizes must be >= 1, got " + sizes);
        }
      }
    }
    if (kernel < 1 || kernel % 2 == 0) {
      throw new IllegalArgumentException("kernel must be odd and >= 1, was " + kernel);
    }
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learningRate must be finite and > 0, was " + learningRate);
    }
    NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder().seed(seed)
        .weightInit(WeightInit.RELU).updater(new Adam(learningRate)).list();
    int height = image.height();
    int width = image.width();
    for (int filter : filters) {
      layers.layer(new ConvolutionLayer.Builder(kernel, kernel).stride(1, 1).convolutionMode(ConvolutionMode.Same)
          .nOut(filter).activation(batchNorm ? Activation.IDENTITY : Activation.RELU).build());
      if (batchNorm) {
        layers.layer(new BatchNormalization.Builder().build());
        layers.layer(new ActivationLayer.Builder().activation(Activation.RELU).build());
      }
      if (height >= 2 && width >= 2) {
        layers.layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
            .convolutionMode(ConvolutionMode.Truncate).build());
        height /= 2;
        width /= 2;
      }
    }
    for (int size : hidden) {
      layers.layer(new DenseLayer.Builder().nOut(size).activation(Activation.RELU).build());
    }
    layers.layer(new OutputLayer.Builder(task.loss()).nOut(task.outputs()).activation(task.outputActivation())
        .weightInit(WeightInit.XAVIER).build());
    layers.setInputType(InputType.convolutionalFlat(image.height(), image.width(), image.channels()));
    return layers.build().toJson();
  }
}
