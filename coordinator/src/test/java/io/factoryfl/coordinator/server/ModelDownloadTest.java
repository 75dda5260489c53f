package io.factoryfl.coordinator.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.proto.v1.GetJobRequest;
import io.factoryfl.proto.v1.SubmitJobRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job that has committed no round has no trained model: `job model` is refused with a reason
 * instead of handing out the untrained initial weights as if they were a result.
 */
class ModelDownloadTest {
  @TempDir Path dataDir;

  @Test
  void aJobWithoutACommittedRound_refusesTheDownloadSayingWhy() throws Exception {
    try (TlsCoordinator coordinator = TlsCoordinator.start(dataDir, CoordinatorLimits.defaults())) {
      String job = coordinator.admin().submitJob(SubmitJobRequest.newBuilder().setSpecJson("""
          {"name": "waiting", "model": {"template": "mlp", "hidden_layers": [3]},
           "dataset": {"name": "ai4i", "numeric_features": ["x1", "x2"], "label": "y"},
           "start_timeout_seconds": 60}""").build()).getJobId();

      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> coordinator.admin()
          .downloadGlobalModel(GetJobRequest.newBuilder().setJobId(job).build()).next());

      assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("has committed no round yet (PENDING)"),
          e.getStatus().getDescription());
    }
  }
}
