package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.core.job.LocalOptimizer;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.simulation.datasets.Mnist;
import io.factoryfl.simulation.datasets.MnistFixtures;
import io.factoryfl.simulation.datasets.MnistPartition;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mnist scenario's clients and job on a synthetic MNIST of MNIST's sizes (one pixel an image). */
class MnistScenarioTest {
  @TempDir
  static Path dir;
  private static Mnist data;

  @BeforeAll
  static void writeSyntheticMnist() throws IOException {
    MnistFixtures.write(dir, 60_000, 10_000, 1, 7);
    data = Mnist.load(dir);
  }

  @Test
  void iid_givesEveryClient600DifferentImagesOfAllDigitsAndAHundredTestImages() {
    List<ImagePlant> clients = MnistScenario.clients(data, MnistPartition.Kind.IID, dir, 7);

    assertEquals(100, clients.size());
    Set<String> train = new HashSet<>();
    Set<String> test = new HashSet<>();
    for (ImagePlant client : clients) {
      assertEquals(600, client.train().size(), client.name());
      assertEquals(100, client.eval().size(), client.name());
      assertEquals(10, MnistScenario.digits(client.train()).size(), client.name() + " " + client.description());
      client.train().forEach(image -> train.add(image.path()));
      client.eval().forEach(image -> test.add(image.path()));
    }
    assertEquals(60_000, train.size(), "every training image once");
    assertEquals(10_000, test.size(), "every test image once");
  }

  @Test
  void nonIid_givesEveryClientExactlyTwoWholeShardsOfTheDigitSortedImages() {
    List<ImagePlant> clients = MnistScenario.clients(data, MnistPartition.Kind.NON_IID, dir, 7);

    // shard s is positions 300s to 300s + 299 of the images sorted by digit (ties by index)
    Integer[] sorted = IntStream.range(0, 60_000).boxed().toArray(Integer[]::new);
    Arrays.sort(sorted, (a, b) -> Integer.compare(data.train().label(a), data.train().label(b)));
    assertArrayEquals(Arrays.stream(sorted).mapToInt(Integer::intValue).toArray(),
        MnistPartition.sortedByLabel(data.train().labels()));
    Map<String, Integer> shardOf = new HashMap<>();
    for (int position = 0; position < sorted.length; position++) {
      shardOf.put(MnistImages.trainPath(sorted[position]), position / 300);
    }
    Set<Integer> shardsDealt = new HashSet<>();
    for (ImagePlant client : clients) {
      Map<Integer, Integer> perShard = new HashMap<>();
      client.train().forEach(image -> perShard.merge(shardOf.get(image.path()), 1, Integer::sum));
      assertEquals(2, perShard.size(), client.name() + " holds shards " + perShard.keySet());
      assertEquals(Set.of(300), new HashSet<>(perShard.values()), client.name() + ": whole shards");
      assertTrue(MnistScenario.digits(client.train()).size() <= 2, client.name() + " " + client.description());
      shardsDealt.addAll(perShard.keySet());
    }
    assertEquals(200, shardsDealt.size(), "each of the 200 shards dealt once");
  }

  @Test
  void nonIid_isDrawnFromTheSeed() {
    List<String> first = MnistScenario.clients(data, MnistPartition.Kind.NON_IID, dir, 7).stream()
        .map(ImagePlant::description).toList();

    assertEquals(first, MnistScenario.clients(data, MnistPartition.Kind.NON_IID, dir, 7).stream()
        .map(ImagePlant::description).toList());
    assertTrue(!first.equals(MnistScenario.clients(data, MnistPartition.Kind.NON_IID, dir, 8).stream()
        .map(ImagePlant::description).toList()), "another seed deals other shards");
  }

  @Test
  void jobSpec_isThePapersSetting() {
    SimulationConfig config = new SimulationConfig(100, 300, 7, dir.resolve("out"), dir, 1, 10, 0.1,
        MnistScenario.HIDDEN, 300, List.of(), true, Map.of(), 0);

    JobSpec spec = JobSpecParser.parse(new MnistScenario(config, MnistPartition.Kind.NON_IID, System.out)
        .jobSpecJson());

    assertEquals(LocalOptimizer.SGD, spec.optimizer());
    assertEquals(0.1, spec.learningRate());
    assertEquals(1, spec.localEpochs());
    assertEquals(10, spec.batchSize());
    assertEquals(0.1, spec.fractionPerRound());
    assertEquals(10, spec.minParticipants());
    assertEquals(100, spec.maxParticipants());
    assertEquals(0.0, spec.serverMomentum());
    assertEquals(null, spec.serverOptimizer());
    assertTrue(spec.secureAggregation().enabled());
    assertEquals(784 * 200 + 200 + 200 * 200 + 200 + 200 * 10 + 10,
        ModelDefinition.fromJson(spec.modelConfigurationJson()).numParameters(), "the 2NN");
  }
}
