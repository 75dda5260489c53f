package io.factoryfl.participant.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.core.data.ImageSpec.Augmentation;
import io.factoryfl.core.data.ImageSpec.PixelNormalization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/** Images become the job's flat, channel-major, normalised examples, batch by batch. */
class ImageBatchesTest {
  private static final List<String> CLASSES = List.of("dark", "light");

  @TempDir Path dir;

  private static ImageSpec spec(int channels, PixelNormalization normalization, Augmentation augmentation) {
    return new ImageSpec(2, 3, channels, normalization, false, augmentation);
  }

  private ImageListing listing() {
    return ImageListing.of("parts", dir, null, "label", CLASSES);
  }

  private static float[] row(DataSet batch, int i) {
    return batch.getFeatures().getRow(i).toFloatVector();
  }

  @Test
  void aGreyImage_isScaledToOneAndNormalisedPerChannel_rowByRow() throws Exception {
    TestImages.grey(dir.resolve("dark/a.png"), 2, 3, (x, y) -> 51 * (y * 3 + x));
    DataSet scaled = ImageBatches.inOrder(listing(), spec(1, PixelNormalization.SCALE, Augmentation.NONE), "parts", 8)
        .next();
    assertArrayEquals(new float[] {0f, 0.2f, 0.4f, 0.6f, 0.8f, 1f}, row(scaled, 0), 1e-6f);
    assertArrayEquals(new float[] {1, 0}, scaled.getLabels().getRow(0).toFloatVector());

    DataSet standardised = ImageBatches.inOrder(listing(),
        spec(1, new PixelNormalization(List.of(0.5), List.of(0.25)), Augmentation.NONE), "parts", 8).next();
    assertArrayEquals(new float[] {-2f, -1.2f, -0.4f, 0.4f, 1.2f, 2f}, row(standardised, 0), 1e-5f);
  }

  @Test
  void colourBecomesGreyByLuma_andGreyBecomesThreeEqualChannels() throws Exception {
    TestImages.colour(dir.resolve("light/red.png"), 2, 3, 255, 0, 0);
    TestImages.grey(dir.resolve("dark/g.png"), 2, 3, (x, y) -> 102);
    DataSet grey = ImageBatches.inOrder(listing(), spec(1, PixelNormalization.SCALE, Augmentation.NONE), "parts", 8)
        .next();
    assertEquals(0.299f, row(grey, 1)[0], 1e-6f);
    DataSet rgb = ImageBatches.inOrder(listing(), spec(3, PixelNormalization.SCALE, Augmentation.NONE), "parts", 8)
        .next();
    float[] g = row(rgb, 0);
    assertEquals(18, g.length);
    for (float v : g) {
      assertEquals(0.4f, v, 1e-6f);
    }
    float[] red = row(rgb, 1);
    assertEquals(1f, red[0]);
    assertEquals(0f, red[6]);
    assertEquals(0f, red[12]);
  }

  @Test
  void jpegAndBmp_areReadLikePng() throws Exception {
    TestImages.grey(dir.resolve("dark/a.bmp"), 2, 3, (x, y) -> 51);
    TestImages.colour(dir.resolve("light/b.jpg"), 2, 3, 128, 128, 128);
    DataSet batch = ImageBatches.inOrder(listing(), spec(1, PixelNormalization.SCALE, Augmentation.NONE), "parts", 8)
        .next();
    assertArrayEquals(new float[] {0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f}, row(batch, 0), 1e-6f);
    for (float value : row(batch, 1)) {
      assertEquals(128 / 255f, value, 3 / 255f, "JPEG is lossy, but a flat grey stays near its value");
    }
  }

  @Test
  void batchesStreamThroughTheSplit_theLastOneShorter() throws Exception {
    for (int i = 0; i < 5; i++) {
      TestImages.grey(dir.resolve("dark/" + i + ".png"), 2, 3, (x, y) -> 0);
    }
    ImageBatches batches = ImageBatches.inOrder(listing(), spec(1, PixelNormalization.SCALE, Augmentation.NONE),
        "parts", 2);
    List<Integer> sizes = new ArrayList<>();
    while (batches.hasNext()) {
      sizes.add(batches.next().numExamples());
    }
    assertEquals(List.of(2, 2, 1), sizes);
    batches.reset();
    assertEquals("dark/0.png", batches.relativePath(0));
  }

  @Test
  void trainingPasses_areReproducibleFromTheSeed_andReshuffledEachPass() throws Exception {
    for (int i = 0; i < 12; i++) {
      int shade = 20 * i;
      TestImages.grey(dir.resolve((i % 2 == 0 ? "dark/" : "light/") + i + ".png"), 2, 3, (x, y) -> shade + x);
    }
    ImageSpec augmented = spec(1, PixelNormalization.SCALE, new Augmentation(true, true, 10, 0.1));
    ImageBatches first = ImageBatches.training(listing(), augmented, "parts", 12, 7);
    ImageBatches again = ImageBatches.training(listing(), augmented, "parts", 12, 7);
    DataSet a = first.next();
    DataSet b = again.next();
    assertEquals(a.getFeatures(), b.getFeatures());
    assertEquals(a.getLabels(), b.getLabels());
    first.reset();
    assertFalse(a.getFeatures().equals(first.next().getFeatures()), "a new pass draws a new order and augmentation");
    DataSet other = ImageBatches.training(listing(), augmented, "parts", 12, 8).next();
    assertFalse(a.getFeatures().equals(other.getFeatures()));
  }

  @Test
  void flips_mirrorTheImage_andRotationKeepsAUniformImageUniform() {
    ImageSpec spec = new ImageSpec(2, 3, 1, PixelNormalization.SCALE, false, new Augmentation(true, false, 0, 0));
    ImageAugmenter flips = new ImageAugmenter(spec);
    SplittableRandom random = new SplittableRandom(1);
    float[] original = {0, 1, 2, 3, 4, 5};
    float[] mirrored = {2, 1, 0, 5, 4, 3};
    boolean sawMirror = false;
    boolean sawOriginal = false;
    for (int i = 0; i < 20; i++) {
      float[] image = original.clone();
      flips.apply(image, random);
      sawMirror |= java.util.Arrays.equals(image, mirrored);
      sawOriginal |= java.util.Arrays.equals(image, original);
      assertTrue(java.util.Arrays.equals(image, mirrored) || java.util.Arrays.equals(image, original));
    }
    assertTrue(sawMirror && sawOriginal);

    ImageSpec rotating = new ImageSpec(5, 5, 1, PixelNormalization.SCALE, false, new Augmentation(false, false, 30, 0));
    float[] uniform = new float[25];
    java.util.Arrays.fill(uniform, 0.6f);
    new ImageAugmenter(rotating).apply(uniform, random);
    for (float v : uniform) {
      assertEquals(0.6f, v, 1e-6f);
    }
  }

  @Test
  void brightnessJitter_shiftsEveryValueAlike_withinTheBoundAndClamped() {
    ImageSpec spec = new ImageSpec(1, 3, 1, PixelNormalization.SCALE, false, new Augmentation(false, false, 0, 0.2));
    float[] image = {0.0f, 0.5f, 0.95f};
    new ImageAugmenter(spec).apply(image, new SplittableRandom(3));
    float shift = image[1] - 0.5f;
    assertTrue(Math.abs(shift) <= 0.2f && shift != 0, "shift " + shift);
    assertEquals(Math.max(0f, shift), image[0], 1e-6f);
    assertEquals(Math.min(1f, 0.95f + shift), image[2], 1e-6f);
  }
}
