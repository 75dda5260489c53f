package io.factoryfl.participant.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.task.EvaluationMetrics;
import io.factoryfl.core.task.EvaluationSums;
import io.factoryfl.core.task.TaskFamily;
import io.factoryfl.participant.config.DatasetEntry;
import io.factoryfl.participant.data.DatasetCatalogue;
import io.factoryfl.participant.data.ImageBatches;
import io.factoryfl.participant.data.ImageListing;
import io.factoryfl.participant.data.TestImages;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cnn template learns a tiny generated image folder through the participant's own path: the
 * job spec's model, the catalogue's listing, streamed augmented batches, {@link LocalTrainer}, and
 * the multi-class metrics of {@link LocalEvaluator}'s sums.
 */
class ImageTrainingTest {
  private static final String SPEC = """
      {"name": "stripes", "model": {"template": "cnn", "filters": [6], "hidden_layers": [16]},
       "dataset": {"name": "parts", "label_classes": ["horizontal", "vertical", "dots"],
                   "images": {"height": 12, "width": 12, "channels": 1,
                              "normalization": {"mean": [0.5], "std": [0.3]},
                              "augmentation": {"horizontal_flip": true, "vertical_flip": true,
                                               "brightness": 0.05}}},
       "training": {"local_epochs": 6, "batch_size": 8, "learning_rate": 0.01}, "seed": 3}""";

  @TempDir static Path dir;

  /** Horizontal stripes, vertical stripes, a dot grid; each with noise and a random phase. */
  @BeforeAll
  static void images() throws Exception {
    SplittableRandom random = new SplittableRandom(11);
    for (String split : new String[] {"train", "eval"}) {
      int perClass = split.equals("train") ? 16 : 8;
      for (int i = 0; i < perClass; i++) {
        for (String kind : new String[] {"horizontal", "vertical", "dots"}) {
          int phase = random.nextInt(3);
          long noise = random.nextLong();
          TestImages.grey(dir.resolve(split + "/" + kind + "/" + i + ".png"), 12, 12, (x, y) -> {
            boolean on = switch (kind) {
              case "horizontal" -> (y + phase) % 3 == 0;
              case "vertical" -> (x + phase) % 3 == 0;
              default -> (x + phase) % 3 == 0 && (y + phase) % 3 == 0;
            };
            int jitter = (int) (new SplittableRandom(noise + 31L * x + y).nextInt(40));
            return (on ? 200 : 40) + jitter;
          });
        }
      }
    }
  }

  @Test
  void theCnn_learnsTheImages_andIsScoredWithMultiClassMetrics() {
    JobSpec spec = JobSpecParser.parse(SPEC);
    ModelDefinition model = ModelDefinition.fromJson(spec.modelConfigurationJson());
    DatasetCatalogue catalogue = new DatasetCatalogue(Map.of("parts",
        DatasetEntry.images("parts", dir.resolve("train"), null, dir.resolve("eval"), null, Map.of())));
    String label = spec.schema().labelColumn();
    ImageListing train = catalogue.images("parts", DatasetCatalogue.Split.TRAIN, label, spec.schema().labelClasses());
    ImageListing eval = catalogue.images("parts", DatasetCatalogue.Split.EVAL, label, spec.schema().labelClasses());
    var images = spec.images().orElseThrow();
    TrainingSettings settings = new TrainingSettings(spec.localEpochs(), spec.batchSize(), spec.learningRate(), 5);

    TrainingOutcome outcome = LocalTrainer.train(model, model.initialParameters(),
        ImageBatches.training(train, images, "parts", spec.batchSize(), settings.seed()), settings);
    assertEquals(48, outcome.numExamples());

    TaskFamily task = spec.task().family(spec.schema(), 1000);
    EvaluationSums sums = LocalEvaluator.evaluate(model, outcome.parameters(),
        ImageBatches.inOrder(eval, images, "parts", 10), task);
    EvaluationMetrics metrics = task.metrics(sums);
    EvaluationMetrics untrained = task.metrics(LocalEvaluator.evaluate(model, model.initialParameters(),
        ImageBatches.inOrder(eval, images, "parts", 10), task));
    assertTrue(untrained.values().get("accuracy") < 0.7, "the start model already knew: " + untrained.values());
    assertEquals(24, sums.numExamples());
    assertTrue(metrics.values().get("accuracy") >= 0.9, metrics.values().toString());
    assertTrue(metrics.values().get("macro_f1") >= 0.9, metrics.values().toString());
    assertTrue(metrics.values().containsKey("recall[dots]"));

    TrainingOutcome again = LocalTrainer.train(model, model.initialParameters(),
        ImageBatches.training(train, images, "parts", spec.batchSize(), settings.seed()), settings);
    assertArrayEquals(outcome.parameters(), again.parameters(), "a round is reproducible from its seed");
  }

  @Test
  void aCorruptImage_failsTraining_withTheSiteErrorAsItWas(@TempDir Path other) throws Exception {
    TestImages.grey(other.resolve("horizontal/a.png"), 12, 12, (x, y) -> 0);
    java.nio.file.Files.createDirectories(other.resolve("vertical"));
    java.nio.file.Files.writeString(other.resolve("vertical/b.png"), "not an image");
    JobSpec spec = JobSpecParser.parse(SPEC);
    ModelDefinition model = ModelDefinition.fromJson(spec.modelConfigurationJson());
    ImageListing listing = ImageListing.of("parts", other, null, "label", spec.schema().labelClasses());
    io.factoryfl.participant.data.SiteDataException e = org.junit.jupiter.api.Assertions.assertThrows(
        io.factoryfl.participant.data.SiteDataException.class, () -> LocalTrainer.train(model,
            model.initialParameters(), ImageBatches.training(listing, spec.images().orElseThrow(), "parts", 1, 1),
            new TrainingSettings(1, 1, 0.01, 1)));
    assertEquals("dataset 'parts' has an image that cannot be decoded at this site", e.publicMessage());
  }
}
