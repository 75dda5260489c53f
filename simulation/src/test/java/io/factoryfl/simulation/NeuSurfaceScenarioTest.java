package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.participant.data.ImageListing;
import io.factoryfl.simulation.datasets.NeuSurface;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The neu-surface scenario's plants, listings, job and refusals, without training (seconds). The
 * test reading the real NEU listing skips when the images are absent.
 */
class NeuSurfaceScenarioTest {
  /** The NEU folder: system property {@code neu.dir}, else the shared copy beside the checkout. */
  static final Path NEU = Path.of(System.getProperty("neu.dir",
      Path.of("..", "..", "shared", "data", "neu-surface-defects").toString()));

  /** 6 classes x 40 images; 4 plants of 10 per class, plant of the acquisition split = i % 4, of the skew split = class. */
  private static NeuSurface synthetic() {
    List<NeuSurface.Image> images = new ArrayList<>();
    for (String label : NeuSurface.CLASSES) {
      for (int i = 0; i < 40; i++) {
        images.add(new NeuSurface.Image("images/" + label + "/" + label + "_" + i + ".png", label,
            "plant_" + (1 + i % 4), "plant_" + (1 + NeuSurface.CLASSES.indexOf(label) % 4)));
      }
    }
    return new NeuSurface(Path.of("/data/neu"), images);
  }

  @Test
  void plants_holdOutAFifthOfEachClass_disjointAndCoveringEveryImage() {
    NeuSurface data = synthetic();
    List<ImagePlant> plants =
        NeuSurfaceScenario.plants(data, NeuSurface.Split.ACQUISITION_BLOCK, 7);

    assertEquals(List.of("plant-1", "plant-2", "plant-3", "plant-4"),
        plants.stream().map(ImagePlant::name).toList());
    Set<String> seen = new HashSet<>();
    for (ImagePlant plant : plants) {
      assertEquals(List.of(8, 8, 8, 8, 8, 8), NeuSurfaceScenario.classCounts(plant.train()), plant.name());
      assertEquals(List.of(2, 2, 2, 2, 2, 2), NeuSurfaceScenario.classCounts(plant.eval()), plant.name());
      for (ImagePlant.Image image : plant.train()) {
        assertTrue(seen.add(image.path()), image.path() + " listed twice");
      }
      for (ImagePlant.Image image : plant.eval()) {
        assertTrue(seen.add(image.path()), image.path() + " listed twice");
      }
    }
    assertEquals(data.images().size(), seen.size());
  }

  @Test
  void plants_followTheChosenSplitsColumn() {
    List<ImagePlant> skewed = NeuSurfaceScenario.plants(synthetic(), NeuSurface.Split.LABEL_SKEW, 7);
    // plant_1 holds classes 0 and 4 (crazing, rolled-in_scale) in the synthetic skew column
    assertEquals(List.of(32, 0, 0, 0, 32, 0), NeuSurfaceScenario.classCounts(skewed.get(0).train()));
    assertEquals(List.of(8, 0, 0, 0, 8, 0), NeuSurfaceScenario.classCounts(skewed.get(0).eval()));
  }

  @Test
  void plants_drawTheHoldOutFromTheSeed() {
    NeuSurface data = synthetic();
    assertEquals(NeuSurfaceScenario.plants(data, NeuSurface.Split.ACQUISITION_BLOCK, 7),
        NeuSurfaceScenario.plants(data, NeuSurface.Split.ACQUISITION_BLOCK, 7));
    assertNotEquals(NeuSurfaceScenario.plants(data, NeuSurface.Split.ACQUISITION_BLOCK, 7).get(0).eval(),
        NeuSurfaceScenario.plants(data, NeuSurface.Split.ACQUISITION_BLOCK, 8).get(0).eval());
  }

  @Test
  void aPlantsSite_listsItsImagesInPlace_asTheSiteCatalogueReadsThem(@TempDir Path tmp) throws Exception {
    Path folder = tmp.resolve("neu");
    List<ImagePlant.Image> train = List.of(png(folder, "images/crazing/c1.png", "crazing"),
        png(folder, "images/scratches/s1.png", "scratches"));
    List<ImagePlant.Image> eval = List.of(png(folder, "images/patches/p1.png", "patches"));
    Path site = tmp.resolve("site");
    String entry = new ImagePlant("plant-1", "test", folder, train, eval).writeData(site);

    JsonNode node = new ObjectMapper().readTree(entry);
    assertEquals("images", node.get("kind").asText());
    assertEquals(folder.toAbsolutePath().toString(), node.get("path").asText());
    ImageListing trainListing = ImageListing.of("neu-surface", Path.of(node.get("path").asText()),
        site.resolve(node.get("listing").asText()), ImagePlant.LABEL_COLUMN, NeuSurface.CLASSES);
    assertEquals("images/scratches/s1.png", trainListing.relativePath(1));
    assertEquals(5, trainListing.label(1));
    ImageListing evalListing = ImageListing.of("neu-surface", Path.of(node.get("path").asText()),
        site.resolve(node.get("eval_listing").asText()), ImagePlant.LABEL_COLUMN, NeuSurface.CLASSES);
    assertEquals(1, evalListing.size());
    try (var files = Files.walk(site)) {
      assertTrue(files.noneMatch(p -> p.toString().endsWith(".png")), "no image is copied into the site");
    }
  }

  @Test
  void theJobSpec_isAnImageJobTheCoordinatorAccepts() {
    SimulationConfig config = new SimulationConfig(4, 3, 7, Path.of("out"), NEU, 1, 32, 0.002,
        NeuSurfaceScenario.HIDDEN, 600, List.of(), true, java.util.Map.of(), 0.5);
    JobSpec spec = JobSpecParser.parse(
        new NeuSurfaceScenario(config, NeuSurface.Split.LABEL_SKEW, System.out).jobSpecJson());
    assertEquals(NeuSurfaceScenario.SIDE, spec.images().orElseThrow().height());
    assertTrue(spec.images().orElseThrow().resize());
    assertEquals(NeuSurface.CLASSES, spec.schema().labelClasses());
  }

  @Test
  void simulate_withoutTheNeuFolder_saysWhereToGetTheImages(@TempDir Path tmp) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = SimulationMain.run(new String[] {"--scenario", "neu-surface", "--data", tmp.resolve("absent").toString(),
        "--out", tmp.resolve("out").toString()}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));

    assertEquals(2, code);
    String message = err.toString();
    assertTrue(message.contains("the NEU surface-defect images were not found at " + tmp.resolve("absent")), message);
    assertTrue(message.contains("NEU surface defect database") && message.contains("--data DIR"), message);
  }

  @Test
  void simulate_refusesAnUnknownSplit(@TempDir Path tmp) {
    assumeTrue(Files.isRegularFile(NEU.resolve("labels.csv")), "NEU surface-defect images not found at "
        + NEU.toAbsolutePath().normalize() + " (labels.csv); set -Dneu.dir=DIR to run this test");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = SimulationMain.run(new String[] {"--scenario", "neu-surface", "--data", NEU.toString(), "--split",
        "by-shift", "--out", tmp.toString()}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
    assertEquals(2, code);
    assertTrue(err.toString().contains("unknown --split 'by-shift': expected acq-block or label-skew"),
        err.toString());
  }

  @Test
  void batchNorm_isANeuSurfaceFlag_withThreeModes(@TempDir Path tmp) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = SimulationMain.run(new String[] {"--batch-norm", "local", "--out", tmp.toString()},
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
    assertEquals(2, code);
    assertTrue(err.toString().contains("--batch-norm sets the cnn's batch normalisation; it is for --scenario"
        + " neu-surface only"), err.toString());

    assumeTrue(Files.isRegularFile(NEU.resolve("labels.csv")), "NEU surface-defect images not found at "
        + NEU.toAbsolutePath().normalize() + " (labels.csv); set -Dneu.dir=DIR to run this test");
    err.reset();
    code = SimulationMain.run(new String[] {"--scenario", "neu-surface", "--data", NEU.toString(), "--batch-norm",
        "global", "--out", tmp.toString()}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
    assertEquals(2, code);
    assertTrue(err.toString().contains("--batch-norm was 'global'; expected aggregate, local (FedBN) or none"),
        err.toString());
  }

  @Test
  void theNeuListing_givesFourPlantsOf450ByAcquisitionBlock_eachHolding90Out() {
    assumeTrue(Files.isRegularFile(NEU.resolve("labels.csv")), "NEU surface-defect images not found at "
        + NEU.toAbsolutePath().normalize() + " (labels.csv); set -Dneu.dir=DIR to run this test");
    NeuSurface data = NeuSurface.load(NEU);
    assertEquals(1800, data.images().size());
    for (ImagePlant plant : NeuSurfaceScenario.plants(data, NeuSurface.Split.ACQUISITION_BLOCK, 7)) {
      assertEquals(360, plant.train().size(), plant.name());
      assertEquals(90, plant.eval().size(), plant.name());
    }
    List<ImagePlant> skewed = NeuSurfaceScenario.plants(data, NeuSurface.Split.LABEL_SKEW, 7);
    assertEquals(4, skewed.size());
    assertEquals(1800, skewed.stream().mapToInt(p -> p.train().size() + p.eval().size()).sum());
  }

  private static ImagePlant.Image png(Path folder, String path, String label) throws Exception {
    Path file = folder.resolve(path);
    Files.createDirectories(file.getParent());
    ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY), "png", file.toFile());
    return new ImagePlant.Image(path, label);
  }
}
