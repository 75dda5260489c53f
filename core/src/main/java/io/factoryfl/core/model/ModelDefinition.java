package io.factoryfl.core.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A model architecture: a DL4J {@code MultiLayerConfiguration} in its JSON form, which is what
 * travels in a job spec. The parameters of a model are one flat {@code float[]} in DL4J's
 * parameter order (layer by layer, weights then biases).
 *
 * <p>Immutable and thread-safe; every network it creates is a fresh, independent instance.
 */
public final class ModelDefinition {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String json;
  private final MultiLayerConfiguration configuration;
  private final int numInputs;
  private final int numOutputs;
  private final long numParameters;

  private ModelDefinition(String json, MultiLayerConfiguration configuration) {
    this.json = json;
    this.configuration = configuration;
    List<NeuralNetConfiguration> confs = configuration.getConfs();
    if (confs == null || confs.isEmpty()) {
      throw new IllegalArgumentException(
          "model configuration has no layers; expected a DL4J MultiLayerConfiguration"
              + " (e.g. from MlpTemplate.configurationJson)");
    }
    Layer first = confs.get(0).getLayer();
    Layer last = confs.get(confs.size() - 1).getLayer();
    if (first instanceof org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer wrapper) {
      first = wrapper.getUnderlying();
    }
    if (!(first instanceof FeedForwardLayer input) || input.getNIn() < 1) {
      throw new IllegalArgumentException(
          "the first layer of the model must be a feed-forward layer with nIn set, was "
              + describe(first));
    }
    if (!(last instanceof BaseOutputLayer output) || output.getNOut() < 1) {
      throw new IllegalArgumentException(
          "the last layer of the model must be an output layer with nOut set, was "
              + describe(last));
    }
    // A sequence model reads a flat window and reshapes it before its first layer.
    // An image model reads a flat image and reshapes it to [channels, height, width] likewise.
    if (configuration.getInputPreProcess(0) instanceof FlatToSequence window) {
      this.numInputs = Math.toIntExact(window.inputs());
    } else if (configuration.getInputPreProcess(0) instanceof FeedForwardToCnnPreProcessor image) {
      this.numInputs = Math.toIntExact(
          Math.multiplyExact(Math.multiplyExact(image.getInputHeight(), image.getInputWidth()), image.getNumChannels()));
    } else {
      this.numInputs = Math.toIntExact(input.getNIn());
    }
    this.numOutputs = Math.toIntExact(output.getNOut());
    long params = 0;
    for (NeuralNetConfiguration conf : confs) {
      // counted from the layer sizes; nothing is allocated until a network is built
      long layer = conf.getLayer().initializer().numParams(conf);
      params = layer < 0 || params > Long.MAX_VALUE - layer ? Long.MAX_VALUE : params + layer;
    }
    this.numParameters = params;
  }

  /**
   * Parses a DL4J {@code MultiLayerConfiguration} JSON.
   *
   * @throws IllegalArgumentException if the text is not valid JSON, not a MultiLayerConfiguration,
   *     or lacks a feed-forward input layer or an output layer
   */
  public static ModelDefinition fromJson(String json) {
    Objects.requireNonNull(json, "model configuration JSON must not be null");
    if (json.isBlank()) {
      throw new IllegalArgumentException("model configuration JSON is blank");
    }
    requireMultiLayerShape(json);
    MultiLayerConfiguration configuration;
    try {
      configuration = MultiLayerConfiguration.fromJson(json);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "model configuration is not a valid DL4J MultiLayerConfiguration JSON: "
              + rootMessage(e) + " (input starts with '" + abbreviate(json) + "')",
          e);
    }
    if (configuration == null) {
      throw new IllegalArgumentException(
          "model configuration JSON parsed to nothing (input starts with '"
              + abbreviate(json) + "')");
    }
    return new ModelDefinition(json, configuration);
  }

  /** The configuration JSON this definition was created from. */
  public String json() {
    return json;
  }

  /** Width of the input feature vector (for a sequence model, of the flat window). */
  public int numInputs() {
    return numInputs;
  }

  /** Number of output neurons (classes). */
  public int numOutputs() {
    return numOutputs;
  }

  /** Where the model's batch-normalisation layers keep their values in the flat parameter vector. */
  public BatchNormParameters batchNormParameters() {
    return BatchNormParameters.of(configuration);
  }

  /** Length of the flat parameter vector. */
  public long numParameters() {
    return numParameters;
  }

  /**
   * The parameters of a freshly initialised network: deterministic, since the initialisation is
   * seeded with the configuration's seed.
   */
  public float[] initialParameters() {
    MultiLayerNetwork network = new MultiLayerNetwork(configuration.clone());
    network.init();
    return network.params().toFloatVector();
  }

  /**
   * A new, independent network holding a copy of {@code params}, with fresh updater state.
   *
   * @throws IllegalArgumentException if {@code params.length != numParameters()}
   */
  public MultiLayerNetwork newNetwork(float[] params) {
    Objects.requireNonNull(params, "params must not be null");
    if (params.length != numParameters) {
      throw new IllegalArgumentException(
          "parameter vector has length " + params.length + " but the model has "
              + numParameters + " parameters");
    }
    INDArray flat = Nd4j.create(params, new long[] {1, params.length}, DataType.FLOAT);
    MultiLayerNetwork network = new MultiLayerNetwork(configuration.clone());
    // The network takes the array as its parameter view: no random init, no extra copy.
    network.init(flat, false);
    return network;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelDefinition other && json.equals(other.json);
  }

  @Override
  public int hashCode() {
    return json.hashCode();
  }

  @Override
  public String toString() {
    return "ModelDefinition[inputs=" + numInputs + ", outputs=" + numOutputs
        + ", parameters=" + numParameters + ", layers=" + configuration.getConfs().size() + "]";
  }

  /** Checks the JSON structure first: DL4J's parser answers most mistakes with an NPE. */
  private static void requireMultiLayerShape(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "model configuration is not valid JSON: " + e.getOriginalMessage()
              + " at line " + e.getLocation().getLineNr()
              + ", column " + e.getLocation().getColumnNr(),
          e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(
          "model configuration must be a JSON object (a DL4J MultiLayerConfiguration), was "
              + (root == null ? "empty" : root.getNodeType().toString().toLowerCase()));
    }
    if (root.has("vertices")) {
      throw new IllegalArgumentException(
          "model configuration is a DL4J ComputationGraphConfiguration; only"
              + " MultiLayerConfiguration (a stack of layers) is supported");
    }
    JsonNode confs = root.get("confs");
    if (confs == null || !confs.isArray() || confs.isEmpty()) {
      throw new IllegalArgumentException(
          "model configuration is not a DL4J MultiLayerConfiguration: it has no non-empty"
              + " \"confs\" array of layers (input starts with '" + abbreviate(json) + "')");
    }
  }

  private static String describe(Layer layer) {
    return layer == null ? "null" : layer.getClass().getSimpleName();
  }

  private static String rootMessage(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    if (message == null) {
      return cause.getClass().getSimpleName();
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  private static String abbreviate(String text) {
    String flat = text.strip().replaceAll("\\s+", " ");
    return flat.length() <= 60 ? flat : flat.substring(0, 60) + "...";
  }
}
