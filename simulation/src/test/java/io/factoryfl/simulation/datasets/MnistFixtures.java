package io.factoryfl.simulation.datasets;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** A synthetic MNIST folder: the four IDX files, digits equally often in a seeded order. */
public final class MnistFixtures {
  private MnistFixtures() {}

  /** Writes {@code train} and {@code test} images of {@code side x side} to {@code folder}. */
  public static void write(Path folder, int train, int test, int side, long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    IdxFiles.writeMnist(folder, Mnist.TRAIN_IMAGES, Mnist.TRAIN_LABELS, labels(train, random), side, false);
    IdxFiles.writeMnist(folder, Mnist.TEST_IMAGES, Mnist.TEST_LABELS, labels(test, random), side, false);
  }

  private static byte[] labels(int count, SplittableRandom random) {
    byte[] labels = new byte[count];
    for (int i = 0; i < count; i++) {
      labels[i] = (byte) (i % Mnist.CLASSES);
    }
    for (int i = count - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      byte swap = labels[i];
      labels[i] = labels[j];
      labels[j] = swap;
    }
    return labels;
  }
}
