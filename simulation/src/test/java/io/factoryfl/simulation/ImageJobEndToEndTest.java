package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factoryfl.proto.v1.EvaluationDone;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.RoundEvent;
import java.awt.image.BufferedImage;
import java.io.IOException;
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
 * federated evaluation scores every plant's held-out images with the multi-class metrics.
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
                              "normalization": {"mean": [0.4], "std": [0.3]}}},
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
  void aCnnJobOnThePlantsImages_learnsTheClasses_andLogsTheConfusionMatrix() throws Exception {
    Path out = temp.resolve("federation");
    try (LoopbackFederation federation = LoopbackFederation.start(plants(), config(out))) {
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
    }
  }
}
