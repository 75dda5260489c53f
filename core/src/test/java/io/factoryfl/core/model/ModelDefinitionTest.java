package io.factoryfl.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

class ModelDefinitionTest {

  private static final String MLP = MlpTemplate.configurationJson(8, List.of(64, 32), 2, 3e-3, 7);

  @Test
  void mlp_hasExpectedShapeAndParameterCount() {
    ModelDefinition model = ModelDefinition.fromJson(MLP);
    assertEquals(8, model.numInputs());
    assertEquals(2, model.numOutputs());
    // (8*64 + 64) + (64*32 + 32) + (32*2 + 2)
    assertEquals(2722, model.numParameters());
    assertEquals(2722, model.initialParameters().length);
    assertEquals(MLP, model.json());
  }

  @Test
  void mlp_usesAdamWithTheGivenLearningRateAndSoftmaxOutput() {
    MultiLayerNetwork network =
        ModelDefinition.fromJson(MLP).newNetwork(ModelDefinition.fromJson(MLP).initialParameters());
    assertEquals(new Adam(3e-3), network.getLayerWiseConfigurations().getConf(0).getLayer()
        .getUpdaterByParam("W"));
    INDArray output = network.output(Nd4j.rand(5, 8));
    assertArrayEquals(new long[] {5, 2}, output.shape());
    assertArrayEquals(new double[] {1, 1, 1, 1, 1}, output.sum(1).toDoubleVector(), 1e-5);
  }

  @Test
  void initialParameters_areDeterminedByTheSeed() {
    float[] first = ModelDefinition.fromJson(MLP).initialParameters();
    float[] again = ModelDefinition.fromJson(MLP).initialParameters();
    float[] otherSeed = ModelDefinition.fromJson(
        MlpTemplate.configurationJson(8, List.of(64, 32), 2, 3e-3, 8)).initialParameters();
    assertArrayEquals(first, again);
    assertFalse(Arrays.equals(first, otherSeed));
  }

  @Test
  void initialParameters_areTheSameWhenComputedOnSeveralThreadsAtOnce() throws Exception {
    ModelDefinition model = ModelDefinition.fromJson(MLP);
    float[] expected = model.initialParameters();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<float[]>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(pool.submit(model::initialParameters));
      }
      for (Future<float[]> result : results) {
        assertArrayEquals(expected, result.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void newNetwork_holdsExactlyTheGivenParameters() {
    ModelDefinition model = ModelDefinition.fromJson(MLP);
    float[] params = new float[(int) model.numParameters()];
    for (int i = 0; i < params.length; i++) {
      params[i] = i * 1e-3f;
    }
    MultiLayerNetwork network = model.newNetwork(params);
    params[0] = 42;
    float[] held = network.params().toFloatVector();
    assertEquals(0f, held[0]);
    assertEquals(1e-3f * 2721, held[2721]);
  }

  @Test
  void newNetwork_rejectsWrongLengthNamingBoth() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelDefinition.fromJson(MLP).newNetwork(new float[10]));
    assertTrue(e.getMessage().contains("10") && e.getMessage().contains("2722"), e.getMessage());
  }

  @Test
  void fromJson_rejectsInvalidJsonClearly() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelDefinition.fromJson("{not json"));
    assertTrue(e.getMessage().contains("not valid JSON") && e.getMessage().contains("line 1"),
        e.getMessage());
    IllegalArgumentException noLayers = assertThrows(IllegalArgumentException.class,
        () -> ModelDefinition.fromJson("{\"foo\": 1}"));
    assertTrue(noLayers.getMessage().contains("\"confs\""), noLayers.getMessage());
  }

  @Test
  void fromJson_rejectsComputationGraphConfiguration() {
    ComputationGraphConfiguration graph = new NeuralNetConfiguration.Builder()
        .graphBuilder()
        .addInputs("in")
        .addLayer("out", new OutputLayer.Builder().nIn(4).nOut(2).build(), "in")
        .setOutputs("out")
        .build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelDefinition.fromJson(graph.toJson()));
    assertTrue(e.getMessage().contains("ComputationGraphConfiguration"), e.getMessage());
  }

  @Test
  void configurationJson_rejectsNonPositiveHiddenWidth() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MlpTemplate.configurationJson(8, List.of(64, 0), 2, 1e-3, 1));
    assertTrue(e.getMessage().contains("hiddenLayers[1]"), e.getMessage());
  }
}
