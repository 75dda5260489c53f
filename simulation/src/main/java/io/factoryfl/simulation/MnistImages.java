package io.factoryfl.simulation;

import io.factoryfl.simulation.datasets.Idx;
import io.factoryfl.simulation.datasets.Mnist;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * MNIST as the image folder a site lists ({@code kind: images}): each image one 8-bit grey PNG
 * (lossless, so a site reads back exactly the IDX file's bytes and scales them to [0, 1]), {@code
 * train/NNNNN.png} and {@code test/NNNNN.png} numbered by their index in the IDX files. Written once
 * beside the IDX files and reused; a {@value #COMPLETE} file marks a folder finished.
 */
final class MnistImages {
  static final String COMPLETE = "complete";

  private MnistImages() {}

  /** The listed path of training image {@code index}, relative to the folder. */
  static String trainPath(int index) {
    return String.format(Locale.ROOT, "train/%05d.png", index);
  }

  /** The listed path of test image {@code index}, relative to the folder. */
  static String testPath(int index) {
    return String.format(Locale.ROOT, "test/%05d.png", index);
  }

  /** Writes {@code data}'s images under {@code root} unless an earlier run finished doing so. */
  static void ensure(Mnist data, Path root) throws IOException {
    String marker = data.train().size() + " train, " + data.test().size() + " test\n";
    Path complete = root.resolve(COMPLETE);
    if (Files.isRegularFile(complete) && Files.readString(complete, StandardCharsets.UTF_8).equals(marker)) {
      return;
    }
    try {
      Files.createDirectories(root.resolve("train"));
      Files.createDirectories(root.resolve("test"));
    } catch (IOException e) {
      throw new IOException("cannot write the MNIST images as PNG files under " + root + " (" + e.getMessage()
          + "); pass --data a writable folder holding the IDX files", e);
    }
    write(data.train().images(), root, true);
    write(data.test().images(), root, false);
    Files.writeString(complete, marker, StandardCharsets.UTF_8);
  }

  private static void write(Idx.Images images, Path root, boolean train) throws IOException {
    int size = images.pixelsPerImage();
    for (int i = 0; i < images.count(); i++) {
      BufferedImage image = new BufferedImage(images.columns(), images.rows(), BufferedImage.TYPE_BYTE_GRAY);
      byte[] target = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
      System.arraycopy(images.pixels(), i * size, target, 0, size);
      Path file = root.resolve(train ? trainPath(i) : testPath(i));
      if (!ImageIO.write(image, "png", file.toFile())) {
        throw new IOException("this JDK has no PNG writer; cannot write " + file);
      }
    }
  }
}
