package io.factoryfl.participant.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.model.SequenceTemplates;
import io.factoryfl.core.task.LabelClip;
import io.factoryfl.core.task.RegressionTask;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The site policy's lstm and cnn1d templates, and the sequence columns under protected_columns. */
class SequenceModelPolicyTest {
  private static final RegressionTask TASK = new RegressionTask(new LabelClip(null, 125.0), "mse");
  private static final String LSTM = SequenceTemplates.lstm(4, 10, List.of(8, 8), List.of(6), TASK, 0.01, 1);
  private static final String CNN1D = SequenceTemplates.cnn1d(4, 10, List.of(8, 8), 3, List.of(6), TASK, 0.01, 1);

  private static PolicyCheck policy(String json) {
    SitePolicy policy = SitePolicy.parse(json, "site-policy.json");
    return PolicyCheck.enforcing(() -> policy, Clock.systemUTC());
  }

  @Test
  void theDefaultPolicy_acceptsTheLstmAndCnn1dTemplates() {
    PolicyCheck defaults = policy("{}");
    assertTrue(defaults.checkModel(LSTM).allowed(), () -> defaults.checkModel(LSTM).reason());
    assertTrue(defaults.checkModel(CNN1D).allowed(), () -> defaults.checkModel(CNN1D).reason());
    assertTrue(SitePolicy.defaults().modelTemplates().containsAll(List.of("mlp", "lstm", "cnn1d")));
  }

  @Test
  void aSiteAllowingOnlyTheMlp_refusesASequenceModelNamingItsShape() {
    PolicyDecision decision = policy("{\"models\": {\"templates\": [\"mlp\"]}}").checkModel(LSTM);
    assertFalse(decision.allowed());
    assertEquals("site policy: model layers [LSTM, LastTimeStep/LSTM, DenseLayer, OutputLayer] with input"
        + " preprocessors [FlatToSequence] match none of this site's allowed templates [mlp] (models.templates;"
        + " mlp = DenseLayer layers then one OutputLayer)", decision.reason());
    assertTrue(policy("{\"models\": {\"templates\": [\"lstm\"]}}").checkModel(LSTM).allowed());
    assertFalse(policy("{\"models\": {\"templates\": [\"lstm\"]}}").checkModel(CNN1D).allowed());
  }

  @Test
  void unknownShapes_areRefused_evenWhereEveryTemplateIsAllowed() {
    PolicyCheck defaults = policy("{}");
    // a GRU-like layer where the LSTM should be
    assertFalse(defaults.checkModel(LSTM.replace("org.deeplearning4j.nn.conf.layers.LSTM",
        "org.deeplearning4j.nn.conf.layers.GravesBidirectionalLSTM")).allowed());
    // the LastTimeStep wrapper around something else
    assertFalse(defaults.checkModel(LSTM.replaceFirst("\"org.deeplearning4j.nn.conf.layers.LSTM\"",
        "\"org.deeplearning4j.nn.conf.layers.DenseLayer\"")).allowed());
    // another preprocessor class in front of the window
    PolicyDecision foreign = defaults.checkModel(CNN1D.replace("io.factoryfl.core.model.FlatToSequence",
        "org.deeplearning4j.nn.conf.preprocessor.FeedForwardToRnnPreProcessor"));
    assertFalse(foreign.allowed());
    assertTrue(foreign.reason().contains("FeedForwardToRnnPreProcessor"), foreign.reason());
    // an MLP with a preprocessor is not the mlp template
    assertFalse(defaults.checkModel(CNN1D.replace("org.deeplearning4j.nn.conf.layers.Convolution1DLayer",
        "org.deeplearning4j.nn.conf.layers.DenseLayer")).allowed());
  }

  @Test
  void aWindowCounts_asItsRowsTimesTheRowWidth_againstMaxFeatures() {
    io.factoryfl.proto.v1.Task task = io.factoryfl.proto.v1.Task.newBuilder().setJobId("j").setRound(1)
        .setDataset(io.factoryfl.proto.v1.DatasetBinding.newBuilder().setName("turbofan").addNumericFeatures("s1")
            .addNumericFeatures("s2").setLabelColumn("rul").setTask("regression").setSequenceGroup("unit")
            .setSequenceOrder("cycle").setSequenceWindow(30))
        .setEvaluate(io.factoryfl.proto.v1.EvaluateTask.newBuilder().setHistogramBins(10)).build();
    assertTrue(policy("{\"limits\": {\"max_features\": 60}}").check(task).allowed());
    PolicyDecision refused = policy("{\"limits\": {\"max_features\": 59}}").check(task);
    assertEquals("site policy: the job's windows of 30 rows encode to 60 inputs; this site allows at most 59"
        + " (limits.max_features)", refused.reason());
  }

  @Test
  void protectedColumns_coverTheSequenceGroupAndOrder() {
    PolicyCheck check = policy("{\"protected_columns\": [\"engine_serial\"]}");
    assertEquals("site policy: dataset.sequence.group names a column this site protects from federated jobs"
        + " (protected_columns)", check.checkSequenceColumns("engine_serial", "cycle").reason());
    assertEquals("site policy: dataset.sequence.order names a column this site protects from federated jobs"
        + " (protected_columns)", check.checkSequenceColumns("unit", "engine_serial").reason());
    assertTrue(check.checkSequenceColumns("unit", "cycle").allowed());
  }
}
