package io.factoryfl.core.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

class LocalOptimizerTest {
  private static final String SPEC = """
      {
        "name": "optimizer",
        "model": {"template": "mlp", "hidden_layers": [4, 3]},
        "dataset": {"name": "d", "numeric_features": ["x1", "x2"], "label": "y", "label_classes": ["a", "b", "c"]},
        "training": {"learning_rate": 0.05%s}
      }""";

  private static String spec(String training) {
    return SPEC.formatted(training);
  }

  @Test
  void sgd_trainsEveryLayerWithPlainSgdAtTheLearningRate() {
    JobSpec job = JobSpecParser.parse(spec(", \"optimizer\": \"sgd\""));

    assertEquals(LocalOptimizer.SGD, job.optimizer());
    MultiLayerConfiguration configuration = MultiLayerConfiguration.fromJson(job.modelConfigurationJson());
    assertEquals(3, configuration.getConfs().size());
    for (NeuralNetConfiguration layer : configuration.getConfs()) {
      BaseLayer trainable = (BaseLayer) layer.getLayer();
      assertEquals(new Sgd(0.05), trainable.getIUpdater());
      assertEquals(new Sgd(0.05), trainable.getUpdaterByParam("b"), "biases too");
    }
  }

  @Test
  void sgd_stepMovesTheWeightsByMinusLearningRateTimesTheGradient() {
    JobSpec job = JobSpecParser.parse(spec(", \"optimizer\": \"sgd\""));
    MultiLayerNetwork network = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(job.modelConfigurationJson()));
    network.init();
    INDArray features = Nd4j.create(new double[][] {{0.2, -1.0}, {1.5, 0.3}, {-0.7, 0.9}}).castTo(DataType.FLOAT);
    INDArray labels = Nd4j.create(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}).castTo(DataType.FLOAT);
    INDArray before = network.params().dup();
    network.setInput(features);
    network.setLabels(labels);
    network.computeGradientAndScore();
    INDArray gradient = network.gradient().gradient().dup();

    network.fit(features, labels);

    // DL4J's gradient is of the summed loss; the step is of the minibatch's mean loss
    INDArray expected = before.sub(gradient.mul(0.05 / 3));
    assertArrayEquals(expected.toFloatVector(), network.params().toFloatVector(), 1e-6f);
  }

  @Test
  void noOptimizer_isAdamAndPinned() throws Exception {
    JobSpec job = JobSpecParser.parse(spec(""));

    assertEquals(LocalOptimizer.ADAM, job.optimizer());
    BaseLayer first = (BaseLayer) MultiLayerConfiguration.fromJson(job.modelConfigurationJson()).getConf(0).getLayer();
    assertEquals(new Adam(0.05), first.getIUpdater());
    assertEquals("adam", new ObjectMapper().readTree(JobSpecParser.pinned(spec(""))).get("training")
        .get("optimizer").asText());
  }

  @Test
  void unknownOptimizer_isRefusedNamingTheChoices() {
    InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class,
        () -> JobSpecParser.parse(spec(", \"optimizer\": \"momentum\"")));

    assertEquals("training.optimizer", e.field());
    assertTrue(e.getMessage().contains("was 'momentum'; must be adam or sgd"), e.getMessage());
  }

  @Test
  void optimizerWithAFullConfiguration_isRefused() {
    String configuration = io.factoryfl.core.model.MlpTemplate.configurationJson(2, java.util.List.of(4), 3, 0.05, 1);
    String json = """
        {
          "name": "optimizer",
          "model": {"configuration": %s},
          "dataset": {"name": "d", "numeric_features": ["x1", "x2"], "label": "y", "label_classes": ["a", "b", "c"]},
          "training": {"optimizer": "sgd"}
        }""".formatted(new ObjectMapper().valueToTree(configuration));

    InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class, () -> JobSpecParser.parse(json));

    assertEquals("training.optimizer", e.field());
    assertTrue(e.getMessage().contains("cannot be combined with model.configuration"), e.getMessage());
  }
}
