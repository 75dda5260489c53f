package io.factoryfl.core.job;

import java.util.Arrays;
import java.util.Optional;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The optimiser a site trains a template model with ({@code training.optimizer}): {@link #ADAM}
 * (the templates' own, and the default) or {@link #SGD}, plain minibatch gradient descent with no
 * momentum, as in McMahan et al. 2017's FedAvg. The optimiser travels inside the model
 * configuration the coordinator hands out, so a site needs no setting of its own.
 */
public enum LocalOptimizer {
  ADAM("adam"),
  SGD("sgd");

  private final String key;

  LocalOptimizer(String key) {
    this.key = key;
  }

  /** The job spec's name for it. */
  public String key() {
    return key;
  }

  public static Optional<LocalOptimizer> byKey(String key) {
    return Arrays.stream(values()).filter(optimizer -> optimizer.key.equals(key)).findFirst();
  }

  /**
   * A template's configuration (whose layers train with Adam) with this optimiser at {@code
   * learningRate}: unchanged for {@link #ADAM}; every trainable layer's updater replaced by plain
   * SGD for {@link #SGD}.
   */
  String applyTo(String configurationJson, double learningRate) {
    if (this == ADAM) {
      return configurationJson;
    }
    MultiLayerConfiguration configuration = MultiLayerConfiguration.fromJson(configurationJson);
    for (NeuralNetConfiguration layer : configuration.getConfs()) {
      if (layer.getLayer() instanceof BaseLayer trainable) {
        trainable.setIUpdater(new Sgd(learningRate));
        trainable.setBiasUpdater(null);
      }
    }
    return configuration.toJson();
  }
}
