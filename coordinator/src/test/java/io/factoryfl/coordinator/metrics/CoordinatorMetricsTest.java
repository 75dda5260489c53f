package io.factoryfl.coordinator.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.metrics.CoordinatorMetrics.UpdateRejection;
import io.factoryfl.coordinator.task.TaskOutcome.FailureKind;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CoordinatorMetricsTest {
  private final CoordinatorMetrics metrics = CoordinatorMetrics.fresh();

  private String scrape() {
    return metrics.registry().scrape();
  }

  @Test
  void taskFailed_countsDropoutsByStageAndCauseApartFromRefusalsAndRejections() {
    metrics.taskFailed("secagg-masked", FailureKind.DROPPED);
    metrics.taskFailed("secagg-masked", FailureKind.TIMED_OUT);
    metrics.taskFailed("train", FailureKind.TIMED_OUT);
    metrics.taskFailed("train", FailureKind.REFUSED);
    metrics.taskFailed("eval", FailureKind.REJECTED);

    String text = scrape();
    assertTrue(text.contains("factoryfl_dropouts_total{cause=\"dropped\",stage=\"secagg-masked\"} 1.0"), text);
    assertTrue(text.contains("factoryfl_dropouts_total{cause=\"timed_out\",stage=\"secagg-masked\"} 1.0"), text);
    assertTrue(text.contains("factoryfl_dropouts_total{cause=\"timed_out\",stage=\"train\"} 1.0"), text);
    assertTrue(text.contains("factoryfl_task_refusals_total{stage=\"train\"} 1.0"), text);
    assertTrue(text.contains("factoryfl_task_rejections_total{stage=\"eval\"} 1.0"), text);
  }

  @Test
  void updateRejected_tagsTheReasonInLowerCase() {
    metrics.updateRejected(UpdateRejection.HASH_MISMATCH);
    metrics.updateRejected(UpdateRejection.HASH_MISMATCH);
    metrics.updateAccepted();

    String text = scrape();
    assertTrue(text.contains("factoryfl_updates_rejected_total{reason=\"hash_mismatch\"} 2.0"), text);
    assertTrue(text.contains("factoryfl_updates_accepted_total 1.0"), text);
  }

  @Test
  void rpcBytes_countsServedMethodsByNameAndEverythingElseAsOther() {
    RpcBytes bytes = new RpcBytes(metrics, Set.of("factoryfl.v1.Fleet/SubmitUpdate"));

    ServerStreamTracer upload = bytes.newServerStreamTracer("factoryfl.v1.Fleet/SubmitUpdate", new Metadata());
    upload.inboundWireSize(1000);
    upload.inboundWireSize(24);
    upload.outboundWireSize(7);
    bytes.newServerStreamTracer("made.up.Service/AnyNameACallerInvents", new Metadata())
        .inboundWireSize(5);

    String text = scrape();
    assertTrue(text.contains("factoryfl_rpc_received_bytes_total{method=\"Fleet/SubmitUpdate\"} 1024.0"), text);
    assertTrue(text.contains("factoryfl_rpc_sent_bytes_total{method=\"Fleet/SubmitUpdate\"} 7.0"), text);
    assertTrue(text.contains("factoryfl_rpc_received_bytes_total{method=\"other\"} 5.0"), text);
  }
}
