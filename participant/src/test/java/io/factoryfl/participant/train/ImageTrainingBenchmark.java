package io.factoryfl.participant.train;

import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.core.data.ImageSpec.Augmentation;
import io.factoryfl.core.data.ImageSpec.PixelNormalization;
import io.factoryfl.core.model.CnnTemplate;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.task.ClassificationTask;
import io.factoryfl.participant.config.DatasetEntry;
import io.factoryfl.participant.data.DatasetCatalogue;
import io.factoryfl.participant.data.ImageBatches;
import io.factoryfl.participant.data.ImageListing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark harness (not a test): images per second of local training on the NEU surface-defect
 * images (read in place, never copied), for the cnn template at the images' 200 x 200 and resized
 * to 64 x 64; decoding alone, one training epoch (with and without augmentation; {@code
 * LocalTrainer} reads the next batch while the current one trains), and evaluation. Figures go to {@code
 * target/benchmarks/image-training.txt}.
 *
 * <p>Run from the participant module directory after {@code mvn -o test-compile}:
 * {@code OMP_NUM_THREADS=2 java -cp target/test-classes:target/classes:<test classpath>
 * io.factoryfl.participant.train.ImageTrainingBenchmark [NEU folder] [images] [repetitions]}.
 */
public final class ImageTrainingBenchmark {
  private static final List<String> CLASSES =
      List.of("crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches");

  private ImageTrainingBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path neu = Path.of(args.length > 0 ? args[0] : "../../shared/data/neu-surface-defects");
    int images = args.length > 1 ? Integer.parseInt(args[1]) : 600;
    int repetitions = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    if (!Files.isRegularFile(neu.resolve("labels.csv"))) {
      System.err.println("NEU images not found at " + neu.toAbsolutePath().normalize() + "; pass their folder");
      System.exit(2);
    }
    // Every third image of the listing: all six classes, in listing order.
    Path subset = Files.createTempFile("neu-subset", ".csv");
    List<String> rows = Files.readAllLines(neu.resolve("labels.csv"));
    List<String> picked = new ArrayList<>(List.of(rows.get(0)));
    for (int i = 1; i < rows.size() && picked.size() <= images; i += Math.max(1, (rows.size() - 1) / images)) {
      picked.add(rows.get(i));
    }
    Files.write(subset, picked);
    DatasetEntry entry = DatasetEntry.images("neu", neu, subset, null, null, Map.of());
    ImageListing listing = new DatasetCatalogue(Map.of("neu", entry)).images("neu", DatasetCatalogue.Split.TRAIN,
        "class", CLASSES);
    ClassificationTask task = new ClassificationTask(CLASSES, 1000, List.of());

    List<String> lines = new ArrayList<>();
    lines.add("# image training benchmark, " + Runtime.getRuntime().availableProcessors() + " cores, OMP_NUM_THREADS="
        + System.getenv("OMP_NUM_THREADS") + ", " + listing.size() + " NEU images, median of " + repetitions
        + " after 1 warm-up");
    for (int side : new int[] {200, 64}) {
      ImageSpec plain = new ImageSpec(side, side, 1, PixelNormalization.SCALE, side != 200, Augmentation.NONE);
      ImageSpec augmented = new ImageSpec(side, side, 1, PixelNormalization.SCALE, side != 200,
          new Augmentation(true, true, 10, 0.1));
      List<Integer> filters = side == 200 ? List.of(8, 16, 32) : List.of(16, 32);
      ModelDefinition model = ModelDefinition.fromJson(CnnTemplate.configurationJson(plain, filters, 3, List.of(32),
          true, task, 1e-3, 1));
      float[] start = model.initialParameters();
      String name = side + "x" + side + " cnn " + filters + " + dense 32, " + model.numParameters() + " parameters,"
          + " batch 32";
      TrainingSettings settings = new TrainingSettings(1, 32, 1e-3, 1);
      lines.add(measure(name + ": decode only", listing.size(), repetitions, () -> {
        ImageBatches batches = ImageBatches.inOrder(listing, plain, "neu", 32);
        while (batches.hasNext()) {
          batches.next();
        }
      }));
      lines.add(measure(name + ": train 1 epoch", listing.size(), repetitions, () ->
          LocalTrainer.train(model, start, ImageBatches.training(listing, plain, "neu", 32, 1), settings)));
      lines.add(measure(name + ": train 1 epoch, augmented", listing.size(), repetitions, () ->
          LocalTrainer.train(model, start, ImageBatches.training(listing, augmented, "neu", 32, 1), settings)));
      lines.add(measure(name + ": evaluate", listing.size(), repetitions, () ->
          LocalEvaluator.evaluate(model, start, ImageBatches.inOrder(listing, plain, "neu", 64), task)));
    }
    Files.delete(subset);
    Path out = Path.of("target", "benchmarks", "image-training.txt");
    Files.createDirectories(out.getParent());
    Files.write(out, lines);
    lines.forEach(System.out::println);
    System.out.println("written to " + out.toAbsolutePath());
  }

  private interface Task {
    void run() throws Exception;
  }

  private static String measure(String name, int images, int repetitions, Task task) throws Exception {
    double[] seconds = new double[repetitions];
    for (int i = -1; i < repetitions; i++) {
      long start = System.nanoTime();
      task.run();
      if (i >= 0) {
        seconds[i] = (System.nanoTime() - start) / 1e9;
      }
    }
    Arrays.sort(seconds);
    double median = seconds[repetitions / 2];
    return String.format(Locale.ROOT, "%s: median %.2f s, %.0f images/s (min %.2f s, max %.2f s)", name, median,
        images / median, seconds[0], seconds[repetitions - 1]);
  }
}
