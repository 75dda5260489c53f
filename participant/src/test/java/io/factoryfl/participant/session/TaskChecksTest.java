package io.factoryfl.participant.session;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.factoryfl.proto.v1.RefusalCode;
import io.factoryfl.proto.v1.TrainTask;
import org.junit.jupiter.api.Test;

class TaskChecksTest {
  private static final TrainTask TRAIN = TrainTask.newBuilder().setModelHash("m").setLocalEpochs(1)
      .setBatchSize(32).setLearningRate(0.01).build();

  @Test
  void proximalMu_fromZeroToWhereThePullReachesTheGlobalModel_isAccepted() {
    for (double mu : new double[] {0, 0.01, 1, 100}) {
      assertDoesNotThrow(() -> TaskChecks.training(TRAIN.toBuilder().setProximalMu(mu).build()));
    }
  }

  @Test
  void proximalMu_negativeNotFiniteTooLargeOrOvershooting_isRefusedAsAnInvalidTask() {
    for (double mu : new double[] {-0.01, Double.NaN, Double.POSITIVE_INFINITY, 1001, 100.5}) {
      TaskRefusedException e = assertThrows(TaskRefusedException.class,
          () -> TaskChecks.training(TRAIN.toBuilder().setProximalMu(mu).build()));
      assertEquals(RefusalCode.TASK_INVALID, e.code());
      assertEquals("proximal_mu was " + mu + " with learning_rate 0.01; a task must ask for a"
          + " proximal_mu from 0 to 1000.0 with learning_rate * proximal_mu at most 1", e.getMessage());
    }
  }
}
