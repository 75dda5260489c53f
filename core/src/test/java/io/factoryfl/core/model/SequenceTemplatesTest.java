package io.factoryfl.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.task.LabelClip;
import io.factoryfl.core.task.RegressionTask;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** The lstm and cnn1d templates and the preprocessors that feed them the flat window. */
class SequenceTemplatesTest {
  private static final RegressionTask TASK = new RegressionTask(LabelClip.NONE, "mse");

  @Test
  void flatToSequence_readsTheWindowFeatureMajor_andBackpropagatesToTheSameLayout() {
    int features = 2;
    int steps = 3;
    // feature 0 at steps 0..2 = 0, 1, 2; feature 1 = 10, 11, 12
    INDArray flat = Nd4j.createFromArray(new float[][] {{0, 1, 2, 10, 11, 12}});
    FlatToSequence reshape = new FlatToSequence(features, steps);
    INDArray sequence = reshape.preProcess(flat, 1, LayerWorkspaceMgr.noWorkspaces());
    assertArrayEquals(new long[] {1, 2, 3}, sequence.shape());
    assertEquals(11f, sequence.getFloat(0, 1, 1));
    assertEquals(2f, sequence.getFloat(0, 0, 2));
    INDArray back = reshape.backprop(sequence, 1, LayerWorkspaceMgr.noWorkspaces());
    assertEquals(flat, back);
    SequenceToFlat flatten = new SequenceToFlat(features, steps);
    assertEquals(flat, flatten.preProcess(sequence, 1, LayerWorkspaceMgr.noWorkspaces()));
  }

  @Test
  void lstmAndCnn1d_surviveTheJsonRoundTrip_andLearnFromFlatWindows() {
    int features = 2;
    int window = 5;
    for (String json : List.of(
        SequenceTemplates.lstm(features, window, List.of(6), List.of(4), TASK, 0.01, 3),
        SequenceTemplates.cnn1d(features, window, List.of(4, 4), 3, List.of(), TASK, 0.01, 3))) {
      assertTrue(json.contains(FlatToSequence.class.getName()), "the preprocessor is in the JSON");
      ModelDefinition model = ModelDefinition.fromJson(json);
      assertEquals(features * window, model.numInputs());
      assertEquals(1, model.numOutputs());
      assertEquals(json, ModelDefinition.fromJson(json).json());
      MultiLayerNetwork network = model.newNetwork(model.initialParameters());
      // the label is the last step of feature 1: a sequence model can find it
      INDArray x = Nd4j.rand(DataType.FLOAT, 64, features * window);
      INDArray y = x.getColumn(features * window - 1, true).dup();
      DataSet data = new DataSet(x, y);
      double before = network.score(data);
      for (int epoch = 0; epoch < 60; epoch++) {
        network.fit(data);
      }
      double after = network.score(data);
      assertTrue(after < before * 0.5, json.substring(0, 40) + ": loss " + before + " -> " + after);
      assertArrayEquals(new long[] {64, 1}, network.output(x).shape());
    }
  }

  @Test
  void theSeedFixesTheInitialWeights() {
    String a = SequenceTemplates.lstm(3, 4, List.of(5), List.of(), TASK, 0.01, 1);
    String b = SequenceTemplates.lstm(3, 4, List.of(5), List.of(), TASK, 0.01, 2);
    assertArrayEquals(ModelDefinition.fromJson(a).initialParameters(), ModelDefinition.fromJson(a).initialParameters());
    assertNotEquals(ModelDefinition.fromJson(a).initialParameters()[0], ModelDefinition.fromJson(b).initialParameters()[0]);
  }
}
