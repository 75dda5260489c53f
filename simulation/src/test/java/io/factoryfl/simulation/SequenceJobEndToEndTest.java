package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.proto.v1.EvaluationDone;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A remaining-useful-life job on sensor sequences through the whole federation (real coordinator
 * and participants over loopback mutual TLS, secure aggregation): each site windows its own
 * engines' rows, the lstm template reads the windows, the held-out engines are scored on their last
 * cycles only, and `factoryfl evaluate` with the downloaded bundle windows the sites' held-out files
 * the same way and reproduces the federated evaluation exactly ({@link TaskFamiliesEndToEndTest#run}).
 */
class SequenceJobEndToEndTest {
  private static final int ENGINES_PER_PLANT = 8;

  @TempDir Path temp;

  /**
   * Engines that wear out: sensor {@code wear} rises towards failure, {@code temp} is noise. The
   * training file lists all engines, run to failure, cycle by cycle (interleaved, so the site must
   * sort); the held-out file lists engines cut off before failure engine by engine, as a plant
   * exports a history.
   */
  private static List<Factory> plants() {
    List<Factory> plants = new ArrayList<>();
    for (int p = 1; p <= 3; p++) {
      SplittableRandom random = new SplittableRandom(200 + p);
      plants.add(new Factory("factory-" + p, "engines of plant " + p,
          CsvTable.parse("train.csv", engines(random, p * 100, true)),
          CsvTable.parse("eval.csv", engines(random, p * 100 + 50, false))));
    }
    return plants;
  }

  private static String engines(SplittableRandom random, int firstUnit, boolean interleaved) {
    int[] life = new int[ENGINES_PER_PLANT];
    int[] seen = new int[ENGINES_PER_PLANT];
    for (int e = 0; e < life.length; e++) {
      life[e] = 25 + random.nextInt(20);
      // held-out engines are cut off before failure, as C-MAPSS test engines are
      seen[e] = interleaved ? life[e] : 8 + random.nextInt(life[e] - 8);
    }
    int longest = java.util.Arrays.stream(life).max().orElseThrow();
    StringBuilder csv = new StringBuilder("unit,cycle,wear,temp,rul\n");
    for (int a = 0; a < (interleaved ? longest : life.length); a++) {
      for (int b = 0; b < (interleaved ? life.length : longest); b++) {
        int engine = interleaved ? b : a;
        int cycle = (interleaved ? a : b) + 1;
        if (cycle > seen[engine]) {
          continue;
        }
        double wear = Math.exp(-(life[engine] - cycle) / 10.0) + random.nextGaussian() * 0.05;
        csv.append(firstUnit + engine).append(',').append(cycle).append(',').append(wear).append(',')
            .append(random.nextGaussian()).append(',').append(life[engine] - cycle).append('\n');
      }
    }
    return csv.toString();
  }

  @Test
  @Timeout(300)
  void anLstmOnWindowsOfEachEnginesCycles_isScoredOnLastCycles_andTheBundleReproducesIt() throws Exception {
    String spec = """
        {"name": "rul-sequences", "task": "regression",
         "model": {"template": "lstm", "units": [8]},
         "dataset": {"name": "ai4i", "numeric_features": ["wear", "temp"], "label": "rul",
                     "label_clip": {"max": 20},
                     "sequence": {"group": "unit", "order": "cycle", "window": 6, "eval_rows": "last"}},
         "rounds": 3, "participants": {"min": 3, "max": 3},
         "training": {"local_epochs": 2, "batch_size": 32, "learning_rate": 0.01},
         "round_deadline_seconds": 60, "seed": 5, "start_timeout_seconds": 60}""";
    EvaluationDone evaluated = TaskFamiliesEndToEndTest.run(temp.resolve("lstm"), plants(), spec);

    assertEquals(3 * ENGINES_PER_PLANT, evaluated.getNumExamples(), "one example per held-out engine: its last cycle");
    Map<String, Double> metrics = evaluated.getMetricsMap();
    assertTrue(metrics.get("rmse") < 10, "the windows carry the wear trend: " + metrics);
  }

  @Test
  @Timeout(300)
  void aCnn1dOverEveryHeldOutWindow_isReproducedByTheBundleToo() throws Exception {
    String spec = """
        {"name": "rul-cnn", "task": "regression",
         "model": {"template": "cnn1d", "filters": [4], "kernel": 3, "hidden_layers": [8]},
         "dataset": {"name": "ai4i", "numeric_features": ["wear", "temp"], "label": "rul",
                     "label_clip": {"max": 20},
                     "sequence": {"group": "unit", "order": "cycle", "window": 5}},
         "rounds": 2, "participants": {"min": 3, "max": 3},
         "training": {"local_epochs": 1, "batch_size": 32, "learning_rate": 0.01},
         "round_deadline_seconds": 60, "seed": 6, "start_timeout_seconds": 60}""";
    EvaluationDone evaluated = TaskFamiliesEndToEndTest.run(temp.resolve("cnn"), plants(), spec);
    assertTrue(evaluated.getNumExamples() > 3 * ENGINES_PER_PLANT * 20, "every held-out row is scored");
  }
}
