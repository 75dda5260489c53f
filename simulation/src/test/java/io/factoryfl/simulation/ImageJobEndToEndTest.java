package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.core.bundle.BundleCard;
import io.factoryfl.core.bundle.ModelBundle;
import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.task.EvaluationMetrics;
import io.factoryfl.core.task.EvaluationSums;
import io.factoryfl.participant.data.ImageListing;
import io.factoryfl.participant.predict.ImageScorer;
import io.factoryfl.participant.predict.PredictCommand;
import io.factoryfl.proto.v1.EvaluationDone;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.RoundEvent;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A multi-class cnn job on images that never leave their plants, through the whole federation:
 * real coordinator and participants over loopback mutual TLS, secure aggregation (the default site
 * policy requires it), each site streaming its own image folder through its listing CSVs. The
 * federated evaluation scores every plant's held-out images with the multi-class metrics, and
 * the model bundle `job model` writes, scoring the plants' held-out images with `factoryfl predict`
 * and `evaluate`, reproduces it exactly.
 */
class ImageJobEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> CLASSES = List.of("horizontal", "vertical", "dot");
  private static final int SIDE = 12;
  private static final String SPEC = """
      {"name": "surface-inspection",
       "model": {"template": "cnn", "filters": [4], "kernel": 3, "hidden_layers": [8]},
       "dataset": {"name": "ai4i", "label_classes": ["horizontal", "vertical", "dot"],
                   "images": {"height": 12, "width": 12, "channels": 1,
                              "normalization": {"mean": [0.4], "std": [0.3]},
                              "augmentation": {"horizontal_flip": true, "vertical_flip": true}}},
       "rounds": 3, "participants": {"min": 3, "max": 3},
       "training": {"local_epochs": 2, "batch_size": 16, "learning_rate": 0.01},
       "round_deadline_seconds": 60, "seed": 21, "start_timeout_seconds": 60}""";

  @TempDir Path temp;

  /**
   * Three plants of 60 training and 20 held-out images each; each plant sees one class twice as
   * often as the others (label skew), so no plant's own data is the federation's mix.
   */
  private List<ImagePlant> plants() throws IOException {
    List<ImagePlant> plants = new ArrayList<>();
    for (int p = 0; p < 3; p++) {
      SplittableRandom random = new SplittableRandom(300 + p);
      Path root = temp.resolve("images/plant-" + (p + 1));
      List<ImagePlant.Image> train = images(root, "train", 60, p, random);
      List<ImagePlant.Image> eval = images(root, "eval", 20, p, random);
      plants.add(new ImagePlant("factory-" + (p + 1), "images of plant " + (p + 1), root, train, eval));
    }
    return plants;
  }

  /**
   * {@code count} images under {@code root/split}, class {@code skewed} drawn with weight 2 of 4;
   * about one in ten is labelled as another class, as inspectors sometimes do, so that even a
   * perfect model's confusion matrix has counts off its diagonal.
   */
  private static List<ImagePlant.Image> images(Path root, String split, int count, int skewed,
      SplittableRandom random) throws IOException {
    List<ImagePlant.Image> images = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int draw = random.nextInt(4);
      int kind = draw < 2 ? skewed : (skewed + draw - 1) % 3;
      String path = split + "/" + i + ".png";
      write(root.resolve(path), kind, random);
      int label = random.nextInt(10) == 0 ? (kind + 1 + random.nextInt(2)) % 3 : kind;
      images.add(new ImagePlant.Image(path, CLASSES.get(label)));
    }
    return images;
  }

  /** Horizontal stripes, vertical stripes or one bright dot, at a random phase or place, with noise. */
  private static void write(Path file, int kind, SplittableRandom random) throws IOException {
    int phase = random.nextInt(3);
    int dotX = 2 + random.nextInt(SIDE - 4);
    int dotY = 2 + random.nextInt(SIDE - 4);
    BufferedImage image = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        boolean on = switch (kind) {
          case 0 -> (y + phase) % 3 == 0;
          case 1 -> (x + phase) % 3 == 0;
          default -> Math.abs(x - dotX) <= 1 && Math.abs(y - dotY) <= 1;
        };
        image.getRaster().setSample(x, y, 0, (on ? 190 : 50) + random.nextInt(50));
      }
    }
    Files.createDirectories(file.getParent());
    ImageIO.write(image, "png", file.toFile());
  }

  private static SimulationConfig config(Path out) {
    return new SimulationConfig(3, 1, 9, out, null, 1, 16, 0.01, List.of(8), 60, List.of(), true, Map.of(), 0);
  }

  @Test
  @Timeout(180)
  void aCnnJobOnThePlantsImages_learnsTheClasses_andTheBundleReproducesItsEvaluation() throws Exception {
    Path out = temp.resolve("federation");
    List<ImagePlant> plants = plants();
    try (LoopbackFederation federation = LoopbackFederation.start(plants, config(out))) {
      federation.admin().awaitParticipants(3, Duration.ofSeconds(60));
      String jobId = federation.admin().submit(SPEC).getJobId();
      List<RoundEvent> events = new ArrayList<>();
      RoundEvent end = federation.admin().watch(jobId, Duration.ofSeconds(150), events::add);
      assertNotNull(end, "the job did not end: " + events);
      assertEquals(JobState.JOB_STATE_SUCCEEDED, end.getEnded().getState(), end.getEnded().getMessage());
      EvaluationDone last = null;
      for (RoundEvent event : events) {
        if (event.hasEvaluated()) {
          last = event.getEvaluated();
        }
      }
      assertNotNull(last, "no federated evaluation in " + events);
      assertEquals(60, last.getNumExamples(), "every plant's 20 held-out images");
      Map<String, Double> metrics = last.getMetricsMap();
      assertTrue(metrics.get("accuracy") > 0.7, "chance is 1/3, one label in ten is wrong: " + metrics);
      assertTrue(metrics.get("macro_f1") > 0.65, metrics.toString());

      JsonNode evaluation = null;
      for (String line : Files.readAllLines(out.resolve("coordinator-data/ledgers/" + jobId + ".jsonl"))) {
        JsonNode record = JSON.readTree(line);
        if (record.path("type").asText().equals("evaluation")) {
          evaluation = record;
        }
      }
      assertNotNull(evaluation, "the round log records the evaluation");
      long logged = 0;
      for (int t = 0; t < CLASSES.size(); t++) {
        for (int p = 0; p < CLASSES.size(); p++) {
          long count = evaluation.path("confusion").path(t).path(p).asLong(-1);
          assertEquals(last.getConfusion(t * CLASSES.size() + p), count, "confusion[" + t + "][" + p + "]");
          logged += count;
        }
        String recall = "recall[" + CLASSES.get(t) + "]";
        assertEquals(metrics.get(recall), evaluation.path(recall).asDouble(Double.NaN), 1e-12, recall);
      }
      assertEquals(60, logged, "the logged confusion matrix counts every held-out image");

      Path bundle = downloadBundle(federation, jobId, out.resolve("bundle.zip"));
      assertPredictReproducesTheConfusionMatrix(bundle, plants, out, last);
      assertEvaluateReproducesTheMetrics(bundle, plants, out, last);
    }
  }

  /**
   * FedBN ({@code "batch_norm": "local"}): under secure aggregation each plant keeps its own
   * batch-normalisation values, so the global model's stay exactly as initialised while the other
   * weights are trained, and the plants' evaluations (each with its own values) still learn the classes.
   */
  @Test
  @Timeout(180)
  void aFedBnJob_keepsTheBatchNormValuesAtThePlants_andTheRestOfTheModelLearns() throws Exception {
    Path out = temp.resolve("fedbn");
    String spec = SPEC.replace("\"hidden_layers\": [8]}", "\"hidden_layers\": [8], \"batch_norm\": \"local\"}");
    assertTrue(spec.contains("\"local\""), spec);
    try (LoopbackFederation federation = LoopbackFederation.start(plants(), config(out))) {
      federation.admin().awaitParticipants(3, Duration.ofSeconds(60));
      String jobId = federation.admin().submit(spec).getJobId();
      List<RoundEvent> events = new ArrayList<>();
      RoundEvent end = federation.admin().watch(jobId, Duration.ofSeconds(150), events::add);
      assertNotNull(end, "the job did not end: " + events);
      assertEquals(JobState.JOB_STATE_SUCCEEDED, end.getEnded().getState(), end.getEnded().getMessage());
      AdminClient.DownloadedModel global = federation.admin().downloadModel(jobId);
      ModelDefinition model = ModelDefinition.fromJson(global.configurationJson());
      io.factoryfl.core.model.BatchNormParameters batchNorm = model.batchNormParameters();
      float[] initial = model.initialParameters();

      assertTrue(batchNorm.count() > 0);
      assertArrayEquals(batchNorm.extract(initial), batchNorm.extract(global.parameters()),
          "the coordinator never moved the batch-normalisation values");
      int trained = 0;
      for (int i = 0; i < initial.length; i++) {
        trained += initial[i] != global.parameters()[i] ? 1 : 0;
      }
      // (a weight of a unit that never fires gets no gradient and may stay put)
      assertTrue(trained > (initial.length - batchNorm.count()) * 9 / 10, "the other weights were trained: "
          + trained + " of " + (initial.length - batchNorm.count()) + " moved");
      EvaluationDone last = events.stream().filter(RoundEvent::hasEvaluated).map(RoundEvent::getEvaluated)
          .reduce((first, second) -> second).orElseThrow();
      assertTrue(last.getMetricsMap().get("accuracy") > 0.6, "chance is 1/3: " + last.getMetricsMap());
    }
  }

  /** `job model`: the bundle of the job's result, carrying the images' reading but not their augmentation. */
  private static Path downloadBundle(LoopbackFederation federation, String jobId, Path file) throws Exception {
    AdminClient.DownloadedModel downloaded = federation.admin().downloadModel(jobId);
    new ModelBundle(BundleCard.fromJson(downloaded.bundleJson()),
        ModelDefinition.fromJson(downloaded.configurationJson()), downloaded.parameters()).write(file);
    BundleCard card = ModelBundle.read(file).card();
    ImageSpec images = card.images().orElseThrow(() -> new AssertionError("no images in " + card.toJson()));
    assertEquals(new ImageSpec(SIDE, SIDE, 1, new ImageSpec.PixelNormalization(List.of(0.4), List.of(0.3)), false,
        ImageSpec.Augmentation.NONE), images);
    assertEquals(CLASSES, card.schema().labelClasses());
    assertFalse(card.toJson().contains("flip"), "augmentation is for training only: " + card.toJson());
    return file;
  }

  /**
   * `factoryfl predict` on each plant's held-out images (its folder and listing) writes one row per
   * image; with the listings' classes its predictions count exactly the federated confusion matrix.
   */
  private static void assertPredictReproducesTheConfusionMatrix(Path bundle, List<ImagePlant> plants, Path out,
      EvaluationDone federated) throws IOException {
    long[] confusion = new long[CLASSES.size() * CLASSES.size()];
    for (ImagePlant plant : plants) {
      Path predictions = out.resolve("predictions-" + plant.name() + ".csv");
      Path listing = out.resolve("sites/" + plant.name() + "/" + ImagePlant.EVAL_LISTING);
      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      int code = PredictCommand.run("predict", new String[] {"--model", bundle.toString(), "--images",
          plant.root().toString(), "--listing", listing.toString(), "--out", predictions.toString()},
          new PrintStream(printed), System.err);
      assertEquals(0, code, printed.toString());
      List<String> lines = Files.readAllLines(predictions);
      assertEquals("path,predicted_class,p_horizontal,p_vertical,p_dot", lines.get(0));
      assertEquals(plant.eval().size() + 1, lines.size(), "a header and one row per listed image");
      for (int i = 0; i < plant.eval().size(); i++) {
        String[] row = lines.get(i + 1).split(",");
        assertEquals(plant.eval().get(i).path(), row[0], "the listing's order and paths");
        double total = Double.parseDouble(row[2]) + Double.parseDouble(row[3]) + Double.parseDouble(row[4]);
        assertEquals(1, total, 1e-5, "class probabilities of " + row[0]);
        confusion[CLASSES.indexOf(plant.eval().get(i).label()) * CLASSES.size() + CLASSES.indexOf(row[1])]++;
      }
    }
    long[] expected = federated.getConfusionList().stream().mapToLong(Long::longValue).toArray();
    assertArrayEquals(expected, confusion, "the federation's confusion matrix, row by true class");
  }

  /**
   * The bundle's sums over the plants' held-out images give every federated metric (to rounding
   * of the secure sum), and `factoryfl evaluate` prints them for one plant's folder.
   */
  private static void assertEvaluateReproducesTheMetrics(Path file, List<ImagePlant> plants, Path out,
      EvaluationDone federated) throws IOException {
    ModelBundle bundle = ModelBundle.read(file);
    ImageScorer scorer = new ImageScorer(bundle);
    EvaluationSums sums = null;
    for (ImagePlant plant : plants) {
      ImageListing eval = ImageListing.of("images", plant.root(),
          out.resolve("sites/" + plant.name() + "/" + ImagePlant.EVAL_LISTING), ImagePlant.LABEL_COLUMN, CLASSES);
      sums = sums == null ? scorer.evaluate(eval) : sums.merge(scorer.evaluate(eval));
    }
    EvaluationMetrics local = bundle.card().family().metrics(sums);
    assertEquals(federated.getNumExamples(), local.numExamples());
    for (Map.Entry<String, Double> metric : federated.getMetricsMap().entrySet()) {
      double expected = metric.getValue();
      assertEquals(expected, local.get(metric.getKey()), 1e-9 * Math.max(1, Math.abs(expected)),
          "bundle " + metric.getKey() + " vs the federated evaluation");
    }

    ImagePlant first = plants.get(0);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int code = PredictCommand.run("evaluate", new String[] {"--model", file.toString(), "--images",
        first.root().toString(), "--listing", out.resolve("sites/" + first.name() + "/" + ImagePlant.EVAL_LISTING)
        .toString()}, new PrintStream(printed), System.err);
    assertEquals(0, code, printed.toString());
    String text = printed.toString();
    assertTrue(text.contains("on 20 images:") && text.contains("macro_f1") && text.contains("confusion matrix"),
        text);
  }
}
