package io.factoryfl.simulation.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The real MNIST files as scripts/fetch-mnist.sh leaves them in {@link Mnist#DEFAULT_FOLDER};
 * skipped, saying so, where they were not fetched (MNIST is not part of the repository).
 */
class MnistDataTest {
  @Test
  void realMnist_hasItsPublishedSizesAndDigitCounts() throws IOException {
    assumeTrue(Mnist.present(Mnist.DEFAULT_FOLDER), "MNIST is not in " + Mnist.DEFAULT_FOLDER
        + "; run scripts/fetch-mnist.sh to include this test");

    Mnist mnist = Mnist.load(Mnist.DEFAULT_FOLDER);

    assertEquals(60_000, mnist.train().size());
    assertEquals(10_000, mnist.test().size());
    assertEquals(28, mnist.train().images().rows());
    assertEquals(28, mnist.train().images().columns());
    // the digit counts LeCun et al.'s files are known by
    assertArrayEquals(new int[] {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}, counts(mnist.train()));
    assertArrayEquals(new int[] {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, counts(mnist.test()));
  }

  private static int[] counts(Mnist.Split split) {
    int[] counts = new int[Mnist.CLASSES];
    for (int i = 0; i < split.size(); i++) {
      counts[split.label(i)]++;
    }
    return counts;
  }
}
