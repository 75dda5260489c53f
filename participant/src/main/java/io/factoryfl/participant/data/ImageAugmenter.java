package io.factoryfl.participant.data;

import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.core.data.ImageSpec.Augmentation;
import java.util.random.RandomGenerator;

/**
 * The job's on-site augmentation ({@link Augmentation}) of one training image, in place on its
 * channel-major values scaled to [0, 1]: a horizontal and a vertical flip each with probability
 * 1/2, a rotation about the centre by an angle uniform in [-r, r] degrees (bilinear; a pixel that
 * falls outside the image takes the nearest edge pixel, so no black corners teach the model a
 * false feature), and a brightness offset uniform in [-b, b], clamped to [0, 1]. The draws come from
 * the generator the caller seeds, in a fixed order, so an epoch is reproducible.
 *
 * <p>The rotation is a few lines over the float values rather than {@code java.awt}'s {@code
 * AffineTransformOp}, which works on 8-bit rasters and would round the values twice.
 */
final class ImageAugmenter {
  private final ImageSpec spec;
  private final Augmentation augmentation;
  private final float[] scratch;

  ImageAugmenter(ImageSpec spec) {
    this.spec = spec;
    this.augmentation = spec.augmentation();
    this.scratch = new float[spec.height() * spec.width()];
  }

  boolean isNone() {
    return augmentation.isNone();
  }

  /** Augments {@code image} in place with draws from {@code random}. */
  void apply(float[] image, RandomGenerator random) {
    boolean horizontal = augmentation.horizontalFlip() && random.nextBoolean();
    boolean vertical = augmentation.verticalFlip() && random.nextBoolean();
    double angle = augmentation.rotationDegrees() > 0
        ? Math.toRadians(random.nextDouble(-augmentation.rotationDegrees(), augmentation.rotationDegrees())) : 0;
    float offset = augmentation.brightness() > 0
        ? (float) random.nextDouble(-augmentation.brightness(), augmentation.brightness()) : 0;
    int h = spec.height();
    int w = spec.width();
    for (int c = 0; c < spec.channels(); c++) {
      int base = c * h * w;
      if (horizontal || vertical) {
        System.arraycopy(image, base, scratch, 0, h * w);
        for (int y = 0; y < h; y++) {
          int fromY = vertical ? h - 1 - y : y;
          for (int x = 0; x < w; x++) {
            image[base + y * w + x] = scratch[fromY * w + (horizontal ? w - 1 - x : x)];
          }
        }
      }
      if (angle != 0) {
        rotate(image, base, angle);
      }
      if (offset != 0) {
        for (int i = base; i < base + h * w; i++) {
          image[i] = Math.min(1f, Math.max(0f, image[i] + offset));
        }
      }
    }
  }

  /** Rotates one channel plane about the image centre: each target pixel samples its source bilinearly. */
  private void rotate(float[] image, int base, double angle) {
    int h = spec.height();
    int w = spec.width();
    System.arraycopy(image, base, scratch, 0, h * w);
    double cos = Math.cos(angle);
    double sin = Math.sin(angle);
    double cy = (h - 1) / 2.0;
    double cx = (w - 1) / 2.0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double dx = x - cx;
        double dy = y - cy;
        double sx = Math.min(w - 1, Math.max(0, cos * dx + sin * dy + cx));
        double sy = Math.min(h - 1, Math.max(0, -sin * dx + cos * dy + cy));
        int x0 = (int) sx;
        int y0 = (int) sy;
        int x1 = Math.min(w - 1, x0 + 1);
        int y1 = Math.min(h - 1, y0 + 1);
        double fx = sx - x0;
        double fy = sy - y0;
        double top = scratch[y0 * w + x0] * (1 - fx) + scratch[y0 * w + x1] * fx;
        double bottom = scratch[y1 * w + x0] * (1 - fx) + scratch[y1 * w + x1] * fx;
        image[base + y * w + x] = (float) (top * (1 - fy) + bottom * fy);
      }
    }
  }
}
