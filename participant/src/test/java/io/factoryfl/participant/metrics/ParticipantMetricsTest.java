package io.factoryfl.participant.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.proto.v1.RefusalCode;
import io.factoryfl.proto.v1.Task;
import io.grpc.Status;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ParticipantMetricsTest {
  private final ParticipantMetrics metrics = ParticipantMetrics.fresh();

  @Test
  void readiness_followsTheSessionWithTheCoordinator() {
    assertEquals(Optional.of("not registered with the coordinator yet"), metrics.readiness().notReadyBecause());
    assertTrue(metrics.registry().scrape().contains("factoryfl_participant_connected 0.0"));

    metrics.connected();
    assertEquals(Optional.empty(), metrics.readiness().notReadyBecause());
    assertTrue(metrics.registry().scrape().contains("factoryfl_participant_connected 1.0"));

    metrics.disconnected(Status.UNAVAILABLE.withDescription("io exception"));
    assertEquals(Optional.of("the last call to the coordinator failed (UNAVAILABLE); reconnecting"),
        metrics.readiness().notReadyBecause());
  }

  @Test
  void refused_countsTheTaskAndItsCode() {
    metrics.refused(Task.KindCase.TRAIN, RefusalCode.POLICY);
    metrics.refused(Task.KindCase.EVALUATE, RefusalCode.POLICY);

    String scrape = metrics.registry().scrape();
    assertTrue(scrape.contains("factoryfl_participant_refusals_total{code=\"policy\"} 2.0"), scrape);
    assertTrue(scrape.contains("factoryfl_participant_tasks_total{kind=\"train\",outcome=\"refused\"} 1.0"), scrape);
  }
}
