package io.factoryfl.core.data;

import java.util.List;
import java.util.Objects;

/**
 * An image job's inputs ({@code dataset.images}): every image a site reads is {@code height x
 * width} pixels with {@code channels} channels (1 grey, 3 RGB), scaled to [0, 1] and then,
 * optionally, standardised per channel with the spec's mean and standard deviation.
 *
 * <p>The encoded example is the image flattened <em>channel-major</em> (C order of {@code
 * [channels, height, width]}): value {@code (c * height + y) * width + x} is channel {@code c} of
 * the pixel in row {@code y}, column {@code x}. That is DL4J's {@code InputType.convolutionalFlat}
 * layout, so the model's first preprocessor turns the flat row back into an image, as {@code
 * FlatToSequence} does for sensor windows.
 *
 * <p>An image job has no tabular features: its {@link FeatureSchema} lists the channel
 * intensities ({@link #channelNames()}) as its numeric columns, for the record, and the label
 * column a site's listing CSV holds the class in.
 *
 * @param height rows of pixels, 1 to {@link #MAX_SIDE}
 * @param width columns of pixels, 1 to {@link #MAX_SIDE}
 * @param channels 1 (grey) or 3 (RGB); a site converts colour to grey (ITU-R BT.601 luma) and
 *     grey to three equal channels
 * @param normalization the per-channel standardisation after scaling to [0, 1]
 * @param resize whether a site scales an image of another size to {@code height x width}
 *     (bilinear); otherwise such an image is refused
 * @param augmentation random changes a site applies to its training images only
 */
public record ImageSpec(int height, int width, int channels, PixelNormalization normalization, boolean resize,
    Augmentation augmentation) {
  /** The largest side a job may ask for. */
  public static final int MAX_SIDE = 4096;

  public ImageSpec {
    Objects.requireNonNull(normalization, "normalization");
    Objects.requireNonNull(augmentation, "augmentation");
    if (height < 1 || height > MAX_SIDE || width < 1 || width > MAX_SIDE) {
      throw new IllegalArgumentException("image height and width must be between 1 and " + MAX_SIDE + ", were "
          + height + " and " + width);
    }
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("image channels must be 1 (grey) or 3 (RGB), was " + channels);
    }
    if (!normalization.isScaleOnly() && normalization.mean().size() != channels) {
      throw new IllegalArgumentException("the normalization gives " + normalization.mean().size()
          + " means for " + channels + " channels; give one per channel");
    }
  }

  /** Values per encoded image: {@code channels x height x width}. */
  public int pixels() {
    return Math.multiplyExact(Math.multiplyExact(height, width), channels);
  }

  /** The channels by name: {@code [grey]} or {@code [red, green, blue]}. */
  public List<String> channelNames() {
    return channels == 1 ? List.of("grey") : List.of("red", "green", "blue");
  }

  /**
   * Per-channel standardisation of values already scaled to [0, 1]: {@code (v - mean[c]) / std[c]};
   * empty lists mean scaling only.
   */
  public record PixelNormalization(List<Double> mean, List<Double> std) {
    /** Scale to [0, 1] only. */
    public static final PixelNormalization SCALE = new PixelNormalization(List.of(), List.of());

    public PixelNormalization {
      mean = List.copyOf(Objects.requireNonNull(mean, "mean"));
      std = List.copyOf(Objects.requireNonNull(std, "std"));
      if (mean.size() != std.size()) {
        throw new IllegalArgumentException("normalization has " + mean.size() + " means and " + std.size()
            + " standard deviations; give one of each per channel");
      }
      for (int c = 0; c < mean.size(); c++) {
        if (!Double.isFinite(mean.get(c)) || !(std.get(c) > 0) || !Double.isFinite(std.get(c))) {
          throw new IllegalArgumentException("normalization of channel " + c + " has mean " + mean.get(c)
              + " and std " + std.get(c) + "; the mean must be finite and the std finite and > 0");
        }
      }
    }

    public boolean isScaleOnly() {
      return mean.isEmpty();
    }

    /** The normalised value of {@code scaled} (in [0, 1]) in channel {@code channel}. */
    public float apply(int channel, float scaled) {
      return isScaleOnly() ? scaled : (float) ((scaled - mean.get(channel)) / std.get(channel));
    }
  }

  /**
   * On-site augmentation of training images, drawn per image from the job's seed: never applied to
   * evaluation or prediction, and nothing of it leaves the site.
   *
   * @param horizontalFlip mirror left-right with probability 1/2
   * @param verticalFlip mirror top-bottom with probability 1/2
   * @param rotationDegrees rotate by an angle drawn uniformly from [-r, r] degrees (0 = never),
   *     at most {@link #MAX_ROTATION}; the corners uncovered take the nearest edge pixel
   * @param brightness add an offset drawn uniformly from [-b, b] to every value scaled to [0, 1]
   *     (clamped to [0, 1]) before normalisation; 0 = never, at most 1
   */
  public record Augmentation(boolean horizontalFlip, boolean verticalFlip, double rotationDegrees,
      double brightness) {
    /** No augmentation. */
    public static final Augmentation NONE = new Augmentation(false, false, 0, 0);
    /** Small rotations only: beyond this a defect image is another image. */
    public static final double MAX_ROTATION = 45;

    public Augmentation {
      if (!(rotationDegrees >= 0 && rotationDegrees <= MAX_ROTATION)) {
        throw new IllegalArgumentException("rotation must be between 0 and " + MAX_ROTATION + " degrees, was "
            + rotationDegrees);
      }
      if (!(brightness >= 0 && brightness <= 1)) {
        throw new IllegalArgumentException("brightness jitter must be between 0 and 1, was " + brightness);
      }
    }

    public boolean isNone() {
      return !horizontalFlip && !verticalFlip && rotationDegrees == 0 && brightness == 0;
    }
  }
}
