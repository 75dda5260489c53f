package io.factoryfl.core.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.model.MlpTemplate;
import io.factoryfl.core.model.ModelDefinition;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LossHuberTest {
  private static final double[] OUTPUTS = {0.2, -3.0, 1.5, 0.9, -0.4, 2.6};
  private static final double[] LABELS = {0.0, 0.5, -1.0, 1.0, -0.3, 0.1};

  private static INDArray column(double[] values) {
    return Nd4j.createFromArray(values).reshape(values.length, 1).castTo(DataType.DOUBLE);
  }

  @Test
  void theScore_isQuadraticWithinDeltaAndLinearBeyond() {
    LossHuber loss = new LossHuber(1.0);
    INDArray scores = loss.computeScoreArray(column(LABELS), column(OUTPUTS), new ActivationIdentity(), null);
    double total = 0;
    for (int i = 0; i < OUTPUTS.length; i++) {
      double e = OUTPUTS[i] - LABELS[i];
      double expected = Math.abs(e) <= 1 ? e * e / 2 : Math.abs(e) - 0.5;
      assertEquals(expected, scores.getDouble(i), 1e-12, "example " + i);
      assertEquals(expected, LossHuber.of(e, 1.0), 1e-12);
      total += expected;
    }
    assertEquals(total / OUTPUTS.length,
        loss.computeScore(column(LABELS), column(OUTPUTS), new ActivationIdentity(), null, true), 1e-12);
  }

  @Test
  void theGradient_matchesFiniteDifferencesOfTheScore() {
    LossHuber loss = new LossHuber(1.0);
    INDArray gradient = loss.computeGradient(column(LABELS), column(OUTPUTS), new ActivationIdentity(), null);
    for (int i = 0; i < OUTPUTS.length; i++) {
      double h = 1e-6;
      double e = OUTPUTS[i] - LABELS[i];
      double numeric = (LossHuber.of(e + h, 1.0) - LossHuber.of(e - h, 1.0)) / (2 * h);
      assertEquals(numeric, gradient.getDouble(i), 1e-6, "example " + i);
    }
  }

  @Test
  void aHuberRegressor_survivesTheModelConfigurationJson() {
    String json = MlpTemplate.configurationJson(3, List.of(4), new RegressionTask(LabelClip.NONE, "huber"), 1e-3, 1);
    ModelDefinition model = ModelDefinition.fromJson(json);
    assertEquals(1, model.numOutputs());
    BaseOutputLayer output = (BaseOutputLayer) MultiLayerConfiguration.fromJson(json).getConf(1).getLayer();
    assertTrue(output.getLossFn() instanceof LossHuber, String.valueOf(output.getLossFn()));
    assertEquals(new LossHuber(1.0), output.getLossFn());
  }
}
