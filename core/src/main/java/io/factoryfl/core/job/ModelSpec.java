package io.factoryfl.core.job;

import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.model.MlpTemplate;
import io.factoryfl.core.task.TaskFamily;
import java.util.List;

/**
 * The model of a job: either the built-in {@code mlp} template parameterised by its hidden layer
 * sizes, or a full DL4J {@code MultiLayerConfiguration} given as JSON.
 */
public record ModelSpec(String template, List<Integer> hiddenLayers, String configurationJson) {
  public static final String MLP = "mlp";

  public ModelSpec {
    hiddenLayers = hiddenLayers == null ? List.of() : List.copyOf(hiddenLayers);
  }

  public static ModelSpec mlp(List<Integer> hiddenLayers) {
    return new ModelSpec(MLP, hiddenLayers, null);
  }

  public static ModelSpec configuration(String json) {
    return new ModelSpec(null, List.of(), json);
  }

  /** The DL4J configuration JSON this spec stands for, sized for the schema and the task. */
  public String resolve(FeatureSchema schema, TaskFamily task, double learningRate, long seed) {
    if (configurationJson != null) {
      return configurationJson;
    }
    return MlpTemplate.configurationJson(schema.numInputs(), hiddenLayers, task, learningRate, seed);
  }
}
