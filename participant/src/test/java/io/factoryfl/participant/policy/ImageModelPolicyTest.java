package io.factoryfl.participant.policy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.core.model.CnnTemplate;
import io.factoryfl.core.model.SequenceTemplates;
import io.factoryfl.core.task.ClassificationTask;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The site policy's cnn template: recognised by its layers, allowed by default, refusable. */
class ImageModelPolicyTest {
  private static final ClassificationTask TASK = new ClassificationTask(List.of("ok", "scratch", "dent"), 100,
      List.of());
  private static final ImageSpec IMAGE = new ImageSpec(16, 16, 1, ImageSpec.PixelNormalization.SCALE, false,
      ImageSpec.Augmentation.NONE);

  private static PolicyCheck policy(String json) {
    SitePolicy policy = SitePolicy.parse(json, "site-policy.json");
    return PolicyCheck.enforcing(() -> policy, Clock.systemUTC());
  }

  @Test
  void theDefaultPolicy_acceptsTheCnnTemplate_withAndWithoutBatchNorm() {
    for (boolean batchNorm : new boolean[] {true, false}) {
      String cnn = CnnTemplate.configurationJson(IMAGE, List.of(4, 8), 3, List.of(16), batchNorm, TASK, 1e-3, 1);
      PolicyDecision decision = policy("{}").checkModel(cnn);
      assertTrue(decision.allowed(), decision::reason);
    }
  }

  @Test
  void aSiteAllowingOnlyTheMlp_refusesTheCnn_andTheCnnShapeIsNotACnn1d() {
    String cnn = CnnTemplate.configurationJson(IMAGE, List.of(4), 3, List.of(), true, TASK, 1e-3, 1);
    PolicyDecision mlpOnly = policy("{\"models\": {\"templates\": [\"mlp\"]}}").checkModel(cnn);
    assertFalse(mlpOnly.allowed());
    assertTrue(mlpOnly.reason().contains("ConvolutionLayer, BatchNormalization, ActivationLayer, SubsamplingLayer"),
        mlpOnly.reason());
    assertTrue(policy("{\"models\": {\"templates\": [\"cnn\"]}}").checkModel(cnn).allowed());

    String cnn1d = SequenceTemplates.cnn1d(4, 10, List.of(8), 3, List.of(6), TASK, 0.01, 1);
    assertFalse(policy("{\"models\": {\"templates\": [\"cnn\"]}}").checkModel(cnn1d).allowed());
  }
}
