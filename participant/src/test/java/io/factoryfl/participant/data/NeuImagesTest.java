package io.factoryfl.participant.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.participant.config.DatasetEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The NEU surface-defect images as a site would offer them: the folder and its labels.csv read in
 * place (never copied into the project). Skipped when the folder is absent.
 */
class NeuImagesTest {
  /** The NEU folder: system property {@code neu.dir}, else the shared copy beside the checkout. */
  static final Path NEU = Path.of(System.getProperty("neu.dir",
      Path.of("..", "..", "shared", "data", "neu-surface-defects").toString()));
  static final List<String> CLASSES =
      List.of("crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches");

  @Test
  void theNeuListing_offers300GreyImagesPerClass_readAt200By200() {
    assumeTrue(Files.isRegularFile(NEU.resolve("labels.csv")), "NEU surface-defect images not found at "
        + NEU.toAbsolutePath().normalize() + " (labels.csv); set -Dneu.dir=DIR to run this test");
    DatasetEntry entry = DatasetEntry.images("neu", NEU, NEU.resolve("labels.csv"), null, null,
        Map.of("label", "class"));
    ImageListing listing = new DatasetCatalogue(Map.of("neu", entry)).images("neu", DatasetCatalogue.Split.TRAIN,
        "label", CLASSES);
    assertArrayEquals(new long[] {300, 300, 300, 300, 300, 300}, listing.classCounts());

    ImageSpec spec = new ImageSpec(200, 200, 1, ImageSpec.PixelNormalization.SCALE, false,
        ImageSpec.Augmentation.NONE);
    DataSet batch = ImageBatches.inOrder(listing, spec, "neu", 4).next();
    assertEquals(4, batch.numExamples());
    assertEquals(40_000, batch.getFeatures().columns());
    double mean = batch.getFeatures().meanNumber().doubleValue();
    assertEquals(true, mean > 0.1 && mean < 0.9, "mean intensity " + mean);
  }
}
