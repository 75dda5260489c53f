package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.RoundEvent;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real federation (the coordinator and three participant agents over loopback mutual TLS, DL4J
 * training, secure aggregation) runs a two-round job; then its /metrics, as Prometheus scrapes
 * it over HTTP, tells what happened.
 */
class CoordinatorMetricsEndToEndTest {
  private static final int SITES = 3;
  private static final int ROUNDS = 2;

  @TempDir Path out;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  @Timeout(300)
  void metrics_afterASecureJob_countItsRoundsStagesUpdatesAndBytes() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    SimulationConfig config = new SimulationConfig(SITES, ROUNDS, 7, out, null, 1, 64, 0.003, List.of(16), 120,
        List.of(), true, Map.of(), 0, null, 0, 1, port);
    CsvTable table;
    try (InputStream in = getClass().getResourceAsStream("/datasets/ai4i2020.csv")) {
      table = CsvTable.parse("ai4i2020.csv", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    List<Factory> factories = Partitioner.split(table, SITES, SimulationConfig.TYPE,
        SimulationConfig.PRODUCT_ID, SimulationConfig.HOLD_OUT, 7);
    try (LoopbackFederation federation = LoopbackFederation.start(factories, config)) {
      assertEquals(port, federation.metricsPort());
      assertEquals(200, get(port, "/readyz").statusCode(), "a serving coordinator is ready");
      federation.admin().awaitParticipants(SITES, Duration.ofSeconds(60));
      String job = federation.admin().submit(config.jobSpecJson()).getJobId();
      RoundEvent end = federation.admin().watch(job, Duration.ofMinutes(4), event -> { });
      assertEquals(JobState.JOB_STATE_SUCCEEDED, end.getEnded().getState(), end.toString());

      HttpResponse<String> scrape = get(port, "/metrics");
      assertEquals(200, scrape.statusCode());
      String metrics = scrape.body();
      assertEquals(Optional.of((double) ROUNDS), value(metrics, "factoryfl_rounds_committed_total{job=\"" + job + "\"}"),
          "rounds committed == rounds run");
      assertEquals(Optional.empty(), value(metrics, "factoryfl_rounds_failed_total{job=\"" + job + "\"}"),
          "no attempt failed");
      assertEquals(Optional.of((double) ROUNDS), value(metrics, "factoryfl_round_duration_seconds_count"));
      assertEquals(Optional.of((double) ROUNDS), value(metrics, "factoryfl_round_cohort_size_participants_count"));
      assertEquals(Optional.of((double) ROUNDS * SITES), value(metrics, "factoryfl_round_cohort_size_participants_sum"));
      // round 0 (the feature statistics) and each round run the five secure-aggregation stages
      for (String stage : List.of("secagg-keys", "secagg-shares", "secagg-masked", "secagg-check", "secagg-unmask")) {
        assertEquals(Optional.of(1.0 + ROUNDS),
            value(metrics, "factoryfl_round_stage_duration_seconds_count{stage=\"" + stage + "\"}"), stage);
      }
      assertEquals(Optional.of((double) ROUNDS), value(metrics, "factoryfl_round_stage_duration_seconds_count{stage=\"eval\"}"));
      // every site's masked statistics and masked updates entered their sessions
      assertEquals(Optional.of((1.0 + ROUNDS) * SITES), value(metrics, "factoryfl_updates_accepted_total"));
      assertEquals(Optional.of(1.0), value(metrics, "factoryfl_jobs{state=\"succeeded\"}"));
      assertEquals(Optional.of(0.0), value(metrics, "factoryfl_jobs{state=\"running\"}"));
      assertEquals(Optional.of((double) SITES), value(metrics, "factoryfl_participants_connected"));
      double uploaded = value(metrics, "factoryfl_rpc_received_bytes_total{method=\"Fleet/SubmitUpdate\"}").orElse(0.0);
      double downloaded = value(metrics, "factoryfl_rpc_sent_bytes_total{method=\"Fleet/DownloadModel\"}").orElse(0.0);
      assertTrue(uploaded > 0 && downloaded > 0, "model transfers are counted: " + uploaded + " in, " + downloaded + " out");
      assertTrue(metrics.contains("jvm_memory_used_bytes{"), "JVM metrics are served");
      assertEquals(200, get(port, "/healthz").statusCode());
    }
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The value of one series in Prometheus text, e.g. {@code factoryfl_jobs{state="failed"}}. */
  static Optional<Double> value(String metrics, String series) {
    return metrics.lines().filter(line -> line.startsWith(series + " "))
        .map(line -> Double.parseDouble(line.substring(series.length() + 1).strip())).findFirst();
  }
}
