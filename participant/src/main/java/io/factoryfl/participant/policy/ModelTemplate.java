package io.factoryfl.participant.policy;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The model shapes a site policy can allow, recognised by the layer types of a DL4J
 * MultiLayerConfiguration rather than by a marker a job could simply copy.
 */
enum ModelTemplate {
  /** Dense hidden layers (any number, including none) and a final output layer: MlpTemplate. */
  MLP("mlp", "DenseLayer layers then one OutputLayer") {
    @Override
    boolean matches(List<String> layerClasses) {
      if (layerClasses.isEmpty() || !layerClasses.get(layerClasses.size() - 1).equals(OUTPUT)) {
        return false;
      }
      return layerClasses.subList(0, layerClasses.size() - 1).stream().allMatch(DENSE::equals);
    }
  };

  private static final String LAYERS = "org.deeplearning4j.nn.conf.layers.";
  static final String DENSE = LAYERS + "DenseLayer";
  static final String OUTPUT = LAYERS + "OutputLayer";

  private final String policyName;
  private final String shape;

  ModelTemplate(String policyName, String shape) {
    this.policyName = policyName;
    this.shape = shape;
  }

  /** Whether a model with these fully qualified layer classes, in order, has this shape. */
  abstract boolean matches(List<String> layerClasses);

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
