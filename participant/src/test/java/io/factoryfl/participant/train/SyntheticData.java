package io.factoryfl.participant.train;

import io.factoryfl.participant.data.EncodedData;
import java.util.SplittableRandom;

/** Small learnable datasets for trainer and evaluator tests. */
final class SyntheticData {

  private SyntheticData() {}

  /** {@code n} examples with {@code width} Gaussian features; class 1 iff x0 + x1 > 0.5. */
  static EncodedData make(int n, int width, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[][] features = new float[n][width];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      for (int f = 0; f < width; f++) {
        features[i][f] = (float) random.nextGaussian();
      }
      labels[i] = features[i][0] + features[i][1] > 0.5 ? 1 : 0;
    }
    return new EncodedData(features, labels);
  }
}
