package io.factoryfl.simulation;

import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.participant.data.EncodedData;
import io.factoryfl.participant.train.LocalEvaluator;
import io.factoryfl.simulation.datasets.Mnist;

/**
 * MNIST's 10,000 test images as the paper scores a global model with them: every pixel scaled to
 * [0, 1] (the grey value over 255, exactly what a site reads from the PNGs), the predicted digit the
 * largest of the ten outputs.
 */
final class MnistTestSet {
  private final EncodedData data;

  MnistTestSet(Mnist.Split test) {
    int pixels = test.images().pixelsPerImage();
    float[][] features = new float[test.size()][pixels];
    int[] labels = new int[test.size()];
    byte[] raw = test.images().pixels();
    for (int i = 0; i < test.size(); i++) {
      for (int p = 0; p < pixels; p++) {
        features[i][p] = (raw[i * pixels + p] & 0xff) / 255f;
      }
      labels[i] = test.label(i);
    }
    this.data = new EncodedData(features, labels);
  }

  /** The share of test images whose digit {@code parameters} predict. */
  double accuracy(ModelDefinition model, float[] parameters) {
    float[][] outputs = LocalEvaluator.outputs(model, parameters, data);
    int[] labels = data.labels();
    int correct = 0;
    for (int i = 0; i < outputs.length; i++) {
      int best = 0;
      for (int k = 1; k < outputs[i].length; k++) {
        if (outputs[i][k] > outputs[i][best]) {
          best = k;
        }
      }
      correct += best == labels[i] ? 1 : 0;
    }
    return correct / (double) outputs.length;
  }
}
