package io.factoryfl.participant.policy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The model shapes a site policy can allow, recognised by the layer types of a DL4J
 * MultiLayerConfiguration rather than by a marker a job could simply copy.
 */
enum ModelTemplate {
  /** Dense hidden layers (any number, including none) and a final output layer: MlpTemplate. */
  MLP("mlp", "DenseLayer layers then one OutputLayer") {
    @Override
    boolean matches(List<String> layerClasses, Map<Integer, String> preprocessors) {
      return preprocessors.isEmpty() && denseHead(layerClasses, 0);
    }
  },
  /**
   * The lstm template (core SequenceTemplates): the flat window reshaped by FlatToSequence, LSTM
   * layers, the last one wrapped in LastTimeStep, then dense layers and an output layer.
   */
  LSTM("lstm", "FlatToSequence, LSTM layers (the last in LastTimeStep), DenseLayer layers, one OutputLayer") {
    @Override
    boolean matches(List<String> layerClasses, Map<Integer, String> preprocessors) {
      int last = layerClasses.indexOf(LAST_STEP_LSTM);
      return last >= 0 && preprocessors.equals(Map.of(0, FLAT_TO_SEQUENCE))
          && layerClasses.subList(0, last).stream().allMatch(RECURRENT::equals) && denseHead(layerClasses, last + 1);
    }
  },
  /**
   * The cnn1d template (core SequenceTemplates): the flat window reshaped by FlatToSequence, 1-D
   * convolutions, their output flattened by SequenceToFlat, then dense layers and an output layer.
   */
  CNN1D("cnn1d", "FlatToSequence, Convolution1DLayer layers, SequenceToFlat, DenseLayer layers, one OutputLayer") {
    @Override
    boolean matches(List<String> layerClasses, Map<Integer, String> preprocessors) {
      int convolutions = 0;
      while (convolutions < layerClasses.size() && layerClasses.get(convolutions).equals(CONVOLUTION_1D)) {
        convolutions++;
      }
      return convolutions > 0 && preprocessors.equals(Map.of(0, FLAT_TO_SEQUENCE, convolutions, SEQUENCE_TO_FLAT))
          && denseHead(layerClasses, convolutions);
    }
  },
  /**
   * The cnn template (core CnnTemplate): the flat image reshaped by FeedForwardToCnnPreProcessor,
   * blocks that each start with a ConvolutionLayer (then optional BatchNormalization, ActivationLayer
   * and SubsamplingLayer), flattened by CnnToFeedForwardPreProcessor, then dense layers and an output
   * layer.
   */
  CNN("cnn", "FeedForwardToCnnPreProcessor, blocks of ConvolutionLayer with BatchNormalization,"
      + " ActivationLayer and SubsamplingLayer, CnnToFeedForwardPreProcessor, DenseLayer layers, one OutputLayer") {
    @Override
    boolean matches(List<String> layerClasses, Map<Integer, String> preprocessors) {
      int blocks = 0;
      while (blocks < layerClasses.size() && IMAGE_BLOCK.contains(layerClasses.get(blocks))) {
        blocks++;
      }
      return blocks > 0 && layerClasses.get(0).equals(CONVOLUTION)
          && preprocessors.equals(Map.of(0, FLAT_TO_IMAGE, blocks, IMAGE_TO_FLAT)) && denseHead(layerClasses, blocks);
    }
  };

  private static final String LAYERS = "org.deeplearning4j.nn.conf.layers.";
  static final String CONVOLUTION = LAYERS + "ConvolutionLayer";
  /** The layers of the cnn template's convolution blocks. */
  static final java.util.Set<String> IMAGE_BLOCK = java.util.Set.of(CONVOLUTION, LAYERS + "BatchNormalization",
      LAYERS + "ActivationLayer", LAYERS + "SubsamplingLayer");
  static final String FLAT_TO_IMAGE = "org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor";
  static final String IMAGE_TO_FLAT = "org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor";
  static final String DENSE = LAYERS + "DenseLayer";
  static final String OUTPUT = LAYERS + "OutputLayer";
  static final String RECURRENT = LAYERS + "LSTM";
  /** A wrapper layer is named as wrapper/underlying. */
  static final String LAST_STEP_LSTM = LAYERS + "recurrent.LastTimeStep/" + RECURRENT;
  static final String CONVOLUTION_1D = LAYERS + "Convolution1DLayer";
  static final String FLAT_TO_SEQUENCE = "io.factoryfl.core.model.FlatToSequence";
  static final String SEQUENCE_TO_FLAT = "io.factoryfl.core.model.SequenceToFlat";

  /** Layers {@code from} on are dense layers and then one output layer. */
  private static boolean denseHead(List<String> layerClasses, int from) {
    if (layerClasses.size() <= from || !layerClasses.get(layerClasses.size() - 1).equals(OUTPUT)) {
      return false;
    }
    return layerClasses.subList(from, layerClasses.size() - 1).stream().allMatch(DENSE::equals);
  }

  private final String policyName;
  private final String shape;

  ModelTemplate(String policyName, String shape) {
    this.policyName = policyName;
    this.shape = shape;
  }

  /**
   * Whether a model with these fully qualified layer classes, in order (a wrapper layer as {@code
   * wrapper/underlying}), and these input preprocessor classes by layer index has this shape.
   */
  abstract boolean matches(List<String> layerClasses, Map<Integer, String> preprocessors);

  /** The name used in a policy file's {@code models.templates}. */
  String policyName() {
    return policyName;
  }

  /** The shape in words, for refusal reasons. */
  String shape() {
    return shape;
  }

  static Optional<ModelTemplate> byPolicyName(String name) {
    return Arrays.stream(values()).filter(t -> t.policyName.equals(name)).findFirst();
  }

  static List<String> policyNames() {
    return Arrays.stream(values()).map(ModelTemplate::policyName).toList();
  }
}
