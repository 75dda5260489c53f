package io.factoryfl.participant.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.model.MlpTemplate;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.participant.data.EncodedData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LocalTrainerTest {

  private static final ModelDefinition MODEL =
      ModelDefinition.fromJson(MlpTemplate.configurationJson(8, List.of(16, 8), 2, 1e-3, 11));
  private static final EncodedData DATA = SyntheticData.make(600, 8, 5);

  @Test
  void train_givesBitIdenticalParametersForEqualInputs() {
    TrainingSettings settings = new TrainingSettings(3, 32, 3e-3, 99);
    TrainingOutcome first = LocalTrainer.train(MODEL, MODEL.initialParameters(), DATA, settings);
    TrainingOutcome second = LocalTrainer.train(MODEL, MODEL.initialParameters(), DATA, settings);
    assertArrayEquals(first.parameters(), second.parameters());
    assertEquals(first.trainLoss(), second.trainLoss());
    assertEquals(600, first.numExamples());
  }

  @Test
  void train_shufflesDifferentlyForDifferentSeeds() {
    float[] start = MODEL.initialParameters();
    TrainingOutcome seedA =
        LocalTrainer.train(MODEL, start, DATA, new TrainingSettings(2, 32, 3e-3, 1));
    TrainingOutcome seedB =
        LocalTrainer.train(MODEL, start, DATA, new TrainingSettings(2, 32, 3e-3, 2));
    assertFalse(Arrays.equals(seedA.parameters(), seedB.parameters()));
  }

  @Test
  void train_concurrentRunsMatchSequentialRuns() throws Exception {
    int runs = 4;
    float[] start = MODEL.initialParameters();
    List<TrainingOutcome> sequential = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      sequential.add(LocalTrainer.train(MODEL, start, DATA, settings(i)));
    }

    ExecutorService pool = Executors.newFixedThreadPool(runs);
    try {
      CyclicBarrier together = new CyclicBarrier(runs);
      List<Future<TrainingOutcome>> concurrent = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        int run = i;
        concurrent.add(pool.submit(() -> {
          together.await(30, TimeUnit.SECONDS);
          return LocalTrainer.train(MODEL, start, DATA, settings(run));
        }));
      }
      for (int i = 0; i < runs; i++) {
        TrainingOutcome outcome = concurrent.get(i).get(60, TimeUnit.SECONDS);
        assertArrayEquals(sequential.get(i).parameters(), outcome.parameters(), "run " + i);
        assertEquals(sequential.get(i).trainLoss(), outcome.trainLoss(), "run " + i);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void proximalTerm_keepsTheLocalModelCloserToTheGlobalOne_theMoreTheLargerMu() {
    float[] global = MODEL.initialParameters();
    double previous = Double.POSITIVE_INFINITY;
    for (double mu : new double[] {0, 1, 10, 100}) {
      float[] local = LocalTrainer.train(MODEL, global, DATA, new TrainingSettings(3, 32, 3e-3, 5, mu))
          .parameters();
      double drift = distance(local, global);
      assertTrue(drift < previous, "mu " + mu + ": drift " + drift + " not below " + previous);
      assertTrue(drift > 0, "mu " + mu + " still trains");
      previous = drift;
    }
  }

  @Test
  void zeroProximalMu_isPlainTrainingBitForBit() {
    float[] start = MODEL.initialParameters();
    TrainingOutcome plain = LocalTrainer.train(MODEL, start, DATA, new TrainingSettings(2, 32, 3e-3, 6));
    TrainingOutcome zero = LocalTrainer.train(MODEL, start, DATA, new TrainingSettings(2, 32, 3e-3, 6, 0));
    TrainingOutcome tiny = LocalTrainer.train(MODEL, start, DATA, new TrainingSettings(2, 32, 3e-3, 6, 1e-3));
    assertArrayEquals(plain.parameters(), zero.parameters());
    assertEquals(plain.trainLoss(), zero.trainLoss());
    assertFalse(Arrays.equals(plain.parameters(), tiny.parameters()), "any mu > 0 changes the model");
  }

  @Test
  void proximalMu_negativeOrOvershooting_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> new TrainingSettings(1, 32, 1e-2, 1, -1));
    assertThrows(IllegalArgumentException.class, () -> new TrainingSettings(1, 32, 1e-2, 1, Double.NaN));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new TrainingSettings(1, 32, 1e-2, 1, 101));
    assertEquals("proximalMu must be >= 0 with learningRate * proximalMu at most 1, was 101.0 with"
        + " learningRate 0.01", e.getMessage());
  }

  private static double distance(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      double d = (double) a[i] - b[i];
      sum += d * d;
    }
    return Math.sqrt(sum);
  }

  private static TrainingSettings settings(int run) {
    return new TrainingSettings(2, 16 + 8 * run, 3e-3, 1000 + run);
  }

  @Test
  void train_usesTheLearningRateFromSettings() {
    float[] start = MODEL.initialParameters();
    float[] tiny = LocalTrainer.train(MODEL, start, DATA, new TrainingSettings(1, 32, 1e-9, 3))
        .parameters();
    float[] large = LocalTrainer.train(MODEL, start, DATA, new TrainingSettings(1, 32, 1e-2, 3))
        .parameters();
    assertTrue(maxAbsDifference(start, tiny) < 1e-6,
        "lr 1e-9 moved parameters by " + maxAbsDifference(start, tiny));
    assertTrue(maxAbsDifference(start, large) > 1e-2,
        "lr 1e-2 moved parameters by only " + maxAbsDifference(start, large));
  }

  @Test
  void train_lowersTheLossOnLearnableData() {
    float[] start = MODEL.initialParameters();
    TrainingOutcome short1 =
        LocalTrainer.train(MODEL, start, DATA, new TrainingSettings(1, 32, 1e-2, 4));
    TrainingOutcome longer =
        LocalTrainer.train(MODEL, start, DATA, new TrainingSettings(10, 32, 1e-2, 4));
    assertTrue(longer.trainLoss() < 0.5 * short1.trainLoss(),
        "loss after 10 epochs " + longer.trainLoss() + " vs after 1 " + short1.trainLoss());
  }

  @Test
  void train_doesNotModifyTheStartParameters() {
    float[] start = MODEL.initialParameters();
    float[] copy = start.clone();
    LocalTrainer.train(MODEL, start, DATA, new TrainingSettings(1, 32, 1e-2, 4));
    assertArrayEquals(copy, start);
  }

  @Test
  void train_rejectsDataOfTheWrongWidth() {
    EncodedData narrow = SyntheticData.make(10, 5, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LocalTrainer.train(MODEL, MODEL.initialParameters(), narrow,
            new TrainingSettings(1, 4, 1e-3, 1)));
    assertTrue(e.getMessage().contains("5 features") && e.getMessage().contains("8 inputs"),
        e.getMessage());
  }

  @Test
  void settings_rejectNonPositiveValuesNamingTheField() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TrainingSettings(1, 0, 1e-3, 1));
    assertEquals("batchSize must be >= 1, was 0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new TrainingSettings(0, 1, 1e-3, 1));
    assertThrows(IllegalArgumentException.class, () -> new TrainingSettings(1, 1, Double.NaN, 1));
  }

  private static double maxAbsDifference(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
