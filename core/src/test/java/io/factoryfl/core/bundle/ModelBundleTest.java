package io.factoryfl.core.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.Normalization;
import io.factoryfl.core.model.MlpTemplate;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.params.ModelHash;
import io.factoryfl.core.task.LabelClip;
import io.factoryfl.core.task.LabelScale;
import io.factoryfl.core.task.RegressionTask;
import io.factoryfl.core.task.TaskKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelBundleTest {
  @TempDir Path dir;

  private static ModelBundle regressionBundle() {
    FeatureSchema schema = new FeatureSchema(List.of("s2", "s3"),
        List.of(new FeatureSchema.CategoricalColumn("line", List.of("A", "B"))), "rul", List.of());
    ModelDefinition model = ModelDefinition.fromJson(MlpTemplate.configurationJson(schema.numInputs(), List.of(4),
        new RegressionTask(new LabelClip(null, 125.0), "mae"), 1e-3, 5));
    float[] parameters = model.initialParameters();
    BundleCard card = new BundleCard("job-1", "rul", 7, ModelHash.of(model.json(), parameters), "spec-hash",
        "turbofan", schema, new Normalization(new double[] {600, 1500}, new double[] {2, 9}), TaskKind.REGRESSION,
        new LabelClip(null, 125.0), new LabelScale(80, 30), "mae", 10_000);
    return new ModelBundle(card, model, parameters);
  }

  @Test
  void aBundle_roundTripsWithItsCard_andHoldsAStandardDl4jModel() throws Exception {
    ModelBundle bundle = regressionBundle();
    Path file = dir.resolve("bundle.zip");
    bundle.write(file);

    ModelBundle read = ModelBundle.read(file);
    assertEquals(bundle.card(), read.card());
    assertArrayEquals(bundle.parameters(), read.parameters());
    assertEquals(125.0, read.card().clip().max());
    assertEquals(30, read.card().labelScale().std());
    assertTrue(read.card().toJson().contains("\"round\" : 7"), read.card().toJson());

    Path dl4j = dir.resolve("dl4j.zip");
    try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
      for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
        if (entry.getName().equals(ModelBundle.DL4J)) {
          Files.write(dl4j, zip.readAllBytes());
        }
      }
    }
    MultiLayerNetwork network = MultiLayerNetwork.load(dl4j.toFile(), false);
    assertArrayEquals(bundle.parameters(), network.params().toFloatVector());
  }

  @Test
  void aSequenceBundle_carriesItsWindowing_andItsLstmLoadsAsAStandardDl4jModel() throws Exception {
    FeatureSchema schema = new FeatureSchema(List.of("s2", "s3"), List.of(), "rul", List.of());
    io.factoryfl.core.data.SequenceSpec sequence = new io.factoryfl.core.data.SequenceSpec("unit", "cycle", 4,
        io.factoryfl.core.data.SequenceSpec.EvalRows.LAST);
    ModelDefinition model = ModelDefinition.fromJson(io.factoryfl.core.model.SequenceTemplates.lstm(2, 4,
        List.of(3), List.of(), new RegressionTask(new LabelClip(null, 125.0), "mse"), 1e-3, 5));
    float[] parameters = model.initialParameters();
    BundleCard card = new BundleCard("job-2", "rul-seq", 3, ModelHash.of(model.json(), parameters), "spec-hash",
        "turbofan", schema, new Normalization(new double[] {600, 1500}, new double[] {2, 9}), TaskKind.REGRESSION,
        new LabelClip(null, 125.0), new LabelScale(80, 30), "mse", 10_000, java.util.Optional.of(sequence));
    Path file = dir.resolve("sequence.zip");
    new ModelBundle(card, model, parameters).write(file);

    ModelBundle read = ModelBundle.read(file);
    assertEquals(card, read.card());
    assertEquals(java.util.Optional.of(sequence), read.card().sequence());
    assertEquals(8, read.card().numInputs());
    assertEquals(8, read.definition().numInputs());
    assertTrue(read.card().toJson().contains("\"eval_rows\" : \"last\""), read.card().toJson());
    assertTrue(regressionBundle().card().sequence().isEmpty());
  }

  @Test
  void anImageBundle_carriesHowToReadItsImages_butNeverTheirAugmentation() throws Exception {
    for (String normalization : List.of("\"normalization\": {\"mean\": [0.5], \"std\": [0.2]},", "")) {
      io.factoryfl.core.job.JobSpec spec = io.factoryfl.core.job.JobSpecParser.parse("""
          {"name": "defects", "model": {"template": "cnn", "filters": [2]},
           "dataset": {"name": "neu", "label_classes": ["crazing", "inclusion", "patches"],
                       "images": {"height": 8, "width": 6, "channels": 1, %s "resize": true,
                                  "augmentation": {"horizontal_flip": true, "brightness": 0.1}}}}"""
          .formatted(normalization));
      ModelDefinition model = ModelDefinition.fromJson(spec.modelConfigurationJson());
      float[] parameters = model.initialParameters();
      BundleCard card = new BundleCard("job-3", "defects", 4, ModelHash.of(model.json(), parameters), "spec-hash",
          "neu", spec.schema(), Normalization.identity(1), TaskKind.MULTICLASS, LabelClip.NONE, LabelScale.IDENTITY,
          "mse", 100, java.util.Optional.empty(), spec.images());
      Path file = dir.resolve("images.zip");
      new ModelBundle(card, model, parameters).write(file);

      BundleCard read = ModelBundle.read(file).card();
      assertEquals(card, read);
      io.factoryfl.core.data.ImageSpec images = read.images().orElseThrow();
      assertEquals(spec.images().orElseThrow().normalization(), images.normalization());
      assertTrue(images.resize() && images.augmentation().isNone(), images.toString());
      assertEquals(48, read.numInputs());
      assertEquals(model.numInputs(), read.numInputs());
      assertTrue(!read.toJson().contains("flip") && !read.toJson().contains("brightness"), read.toJson());
    }
    assertTrue(regressionBundle().card().images().isEmpty());
  }

  @Test
  void alteredOrTruncatedParameters_areRefusedNeverScored() throws Exception {
    Path file = dir.resolve("bundle.zip");
    regressionBundle().write(file);

    Path altered = rewrite(file, "altered.zip", bytes -> {
      bytes[0] ^= 1;
      return bytes;
    });
    IllegalArgumentException changed = assertThrows(IllegalArgumentException.class, () -> ModelBundle.read(altered));
    assertTrue(changed.getMessage().contains("but the card names model"), changed.getMessage());

    Path cut = rewrite(file, "cut.zip", bytes -> java.util.Arrays.copyOf(bytes, bytes.length - 4));
    IllegalArgumentException shorter = assertThrows(IllegalArgumentException.class, () -> ModelBundle.read(cut));
    assertTrue(shorter.getMessage().contains("does not hold exactly"), shorter.getMessage());

    Files.writeString(dir.resolve("not.zip"), "hello");
    IllegalArgumentException notABundle = assertThrows(IllegalArgumentException.class,
        () -> ModelBundle.read(dir.resolve("not.zip")));
    assertTrue(notABundle.getMessage().contains("not a complete model bundle"), notABundle.getMessage());
  }

  @Test
  void aCardOfAnotherFormat_isRefusedSayingWhatToDo() {
    String json = regressionBundle().card().toJson().replace("\"format\" : 1", "\"format\" : 9");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BundleCard.fromJson(json));
    assertTrue(e.getMessage().contains("format 9"), e.getMessage());
  }

  /** Copies the bundle with its parameters entry rewritten. */
  private Path rewrite(Path file, String name, java.util.function.UnaryOperator<byte[]> change) throws IOException {
    Path target = dir.resolve(name);
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(file));
        ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(target))) {
      for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
        byte[] bytes = in.readAllBytes();
        out.putNextEntry(new ZipEntry(entry.getName()));
        out.write(entry.getName().equals(ModelBundle.PARAMETERS) ? change.apply(bytes) : bytes);
        out.closeEntry();
      }
    }
    return target;
  }
}
