package io.factoryfl.participant.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntBinaryOperator;
import javax.imageio.ImageIO;

/** Small images written in a test's temporary folder (never the NEU images). */
public final class TestImages {
  private TestImages() {}

  /** A grey image whose pixel (x, y) is {@code value.applyAsInt(x, y)} (0..255), in the given format. */
  public static Path grey(Path file, int height, int width, IntBinaryOperator value) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.getRaster().setSample(x, y, 0, value.applyAsInt(x, y));
      }
    }
    return write(image, file);
  }

  /** An RGB image of one colour. */
  public static Path colour(Path file, int height, int width, int red, int green, int blue) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, (red << 16) | (green << 8) | blue);
      }
    }
    return write(image, file);
  }

  private static Path write(BufferedImage image, Path file) throws IOException {
    Files.createDirectories(file.getParent());
    String name = file.getFileName().toString();
    String format = name.substring(name.lastIndexOf('.') + 1);
    if (!ImageIO.write(image, format.equals("jpg") ? "jpeg" : format, file.toFile())) {
      throw new IOException("no ImageIO writer for " + format);
    }
    return file;
  }
}
