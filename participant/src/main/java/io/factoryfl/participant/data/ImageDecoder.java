package io.factoryfl.participant.data;

import io.factoryfl.core.data.ImageSpec;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * Reads one image file into the job's encoding ({@link ImageSpec}): {@code channels x height x
 * width} values scaled to [0, 1], channel-major. Decoding is the JDK's {@code javax.imageio} (PNG,
 * JPEG, BMP readers), so no native image library is needed at a site.
 *
 * <p>A grey image read for a 1-channel job keeps its raw samples (a grey PNG's 8 or 16 bits, scaled by
 * their maximum); colour is converted to grey with the ITU-R BT.601 luma weights; a grey image read
 * for a 3-channel job gets three equal channels. An image of another size than the job's is refused
 * unless the job sets {@code resize}, which scales it bilinearly.
 */
final class ImageDecoder {
  private final ImageSpec spec;
  private final String dataset;

  ImageDecoder(ImageSpec spec, String dataset) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.dataset = Objects.requireNonNull(dataset, "dataset");
  }

  /**
   * The image at {@code file}, scaled to [0, 1] (not yet normalised), into {@code out} (length
   * {@link ImageSpec#pixels()}).
   *
   * @param name the image's path relative to its folder, for the site's log
   * @throws SiteDataException if the file cannot be read, is not an image javax.imageio decodes, or
   *     has the wrong size
   */
  void read(Path file, String name, float[] out) {
    BufferedImage image;
    try {
      image = ImageIO.read(file.toFile());
    } catch (IOException | RuntimeException e) {
      throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset '" + dataset + "' has an image that"
          + " cannot be decoded at this site", "dataset '" + dataset + "': image '" + name + "' (" + file
          + ") cannot be decoded: " + e.getMessage() + "; replace or remove the file", e);
    }
    if (image == null) {
      throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset '" + dataset + "' has an image that"
          + " cannot be decoded at this site", "dataset '" + dataset + "': image '" + name + "' (" + file
          + ") is not a PNG, JPEG or BMP image javax.imageio can read; replace or remove the file");
    }
    if (image.getHeight() != spec.height() || image.getWidth() != spec.width()) {
      if (!spec.resize()) {
        throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset '" + dataset + "' has an image of"
            + " another size than the job's " + spec.height() + " x " + spec.width() + " (height x width)",
            "dataset '" + dataset + "': image '" + name + "' is " + image.getHeight() + " x " + image.getWidth()
                + " (height x width), but the job reads " + spec.height() + " x " + spec.width()
                + "; resize the site's images, or ask for a job with \"resize\": true");
      }
      image = resized(image);
    }
    int h = spec.height();
    int w = spec.width();
    int plane = h * w;
    Raster raster = image.getRaster();
    boolean grey = raster.getNumBands() == 1 && image.getColorModel().getNumColorComponents() == 1;
    if (grey) {
      double max = (1 << image.getColorModel().getComponentSize(0)) - 1;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          float value = (float) (raster.getSample(x, y, 0) / max);
          for (int c = 0; c < spec.channels(); c++) {
            out[c * plane + y * w + x] = value;
          }
        }
      }
      return;
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = image.getRGB(x, y);
        float r = ((rgb >> 16) & 0xff) / 255f;
        float g = ((rgb >> 8) & 0xff) / 255f;
        float b = (rgb & 0xff) / 255f;
        if (spec.channels() == 1) {
          out[y * w + x] = 0.299f * r + 0.587f * g + 0.114f * b;
        } else {
          out[y * w + x] = r;
          out[plane + y * w + x] = g;
          out[2 * plane + y * w + x] = b;
        }
      }
    }
  }

  private BufferedImage resized(BufferedImage image) {
    boolean grey = image.getRaster().getNumBands() == 1;
    BufferedImage target = new BufferedImage(spec.width(), spec.height(),
        grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
    Graphics2D graphics = target.createGraphics();
    try {
      graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      graphics.drawImage(image, 0, 0, spec.width(), spec.height(), null);
    } finally {
      graphics.dispose();
    }
    return target;
  }
}
