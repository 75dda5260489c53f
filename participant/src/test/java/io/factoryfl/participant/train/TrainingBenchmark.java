package io.factoryfl.participant.train;

import io.factoryfl.core.data.Normalization;
import io.factoryfl.core.model.MlpTemplate;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.participant.data.EncodedData;
import io.factoryfl.participant.data.TabularEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

/**
 * Benchmark harness (not a test): wall time of one training epoch of the AI4I MLP (8-64-32-2,
 * batch 64) over 8,000 rows, alone and with several sites training at once, and of one forward
 * pass over 2,000 rows. Figures go to {@code target/benchmarks/local-training.txt}.
 *
 * <p>Run from the participant module directory after {@code mvn -o test-compile}:
 * {@code java -cp target/test-classes:target/classes:<test classpath>
 * io.factoryfl.participant.train.TrainingBenchmark [repetitions] [parallelSites]}.
 */
public final class TrainingBenchmark {

  private TrainingBenchmark() {}

  public static void main(String[] args) throws Exception {
    int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int parallelSites = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    CsvTable table = CsvTable.read(
        Path.of("..", "simulation", "src", "main", "resources", "datasets", "ai4i2020.csv"));
    CsvTable train = table.select(IntStream.range(0, 8000).toArray());
    CsvTable test = table.select(IntStream.range(8000, 10000).toArray());
    Normalization normalization =
        TabularEncoder.stats(train, Ai4iLearningTest.SCHEMA).toNormalization();
    EncodedData trainData = TabularEncoder.encode(train, Ai4iLearningTest.SCHEMA, normalization);
    EncodedData testData = TabularEncoder.encode(test, Ai4iLearningTest.SCHEMA, normalization);
    ModelDefinition model = ModelDefinition.fromJson(
        MlpTemplate.configurationJson(8, List.of(64, 32), 2, 3e-3, 42));
    float[] start = model.initialParameters();

    List<String> lines = new ArrayList<>();
    lines.add("# local training benchmark, " + Runtime.getRuntime().availableProcessors()
        + " cores, " + repetitions + " repetitions after 2 warm-up runs");
    lines.add(measure("epoch over 8000 rows, batch 64, 1 site", repetitions, () ->
        LocalTrainer.train(model, start, trainData, new TrainingSettings(1, 64, 3e-3, 1))));
    ExecutorService pool = Executors.newFixedThreadPool(parallelSites);
    try {
      lines.add(measure("epoch over 8000 rows, batch 64, " + parallelSites
          + " sites in parallel (wall time for all)", repetitions, () -> {
            List<Future<TrainingOutcome>> runs = new ArrayList<>();
            for (int site = 0; site < parallelSites; site++) {
              long seed = site;
              runs.add(pool.submit(() -> LocalTrainer.train(
                  model, start, trainData, new TrainingSettings(1, 64, 3e-3, seed))));
            }
            for (Future<TrainingOutcome> run : runs) {
              run.get();
            }
          }));
    } finally {
      pool.shutdownNow();
    }
    lines.add(measure("evaluate 2000 rows (one forward pass)", repetitions, () ->
        LocalEvaluator.evaluate(model, start, testData,
            new io.factoryfl.core.task.ClassificationTask(java.util.List.of("0", "1"), 1000, java.util.List.of()))));

    Path out = Path.of("target", "benchmarks", "local-training.txt");
    Files.createDirectories(out.getParent());
    Files.write(out, lines);
    lines.forEach(System.out::println);
    System.out.println("written to " + out.toAbsolutePath());
  }

  private interface Task {
    void run() throws Exception;
  }

  private static String measure(String name, int repetitions, Task task) throws Exception {
    double[] millis = new double[repetitions];
    for (int i = -2; i < repetitions; i++) {
      long start = System.nanoTime();
      task.run();
      if (i >= 0) {
        millis[i] = (System.nanoTime() - start) / 1e6;
      }
    }
    Arrays.sort(millis);
    return String.format(Locale.ROOT, "%s: min %.0f ms, median %.0f ms, max %.0f ms",
        name, millis[0], millis[repetitions / 2], millis[repetitions - 1]);
  }

}
