package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.ops.ObservabilityServer;
import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.participant.metrics.ParticipantMetrics;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.RoundEvent;
import java.io.InputStream;
import java.net.InetSocketAddress;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real federation (the coordinator and three participant agents over loopback mutual TLS, DL4J
 * training, secure aggregation) runs a two-round job; then the /metrics of the coordinator and of
 * a site, as Prometheus scrapes them over HTTP, tell what happened.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsEndToEndTest {
  private static final int SITES = 3;
  private static final int ROUNDS = 2;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private LoopbackFederation federation;
  private int port;
  private String job;

  @BeforeAll
  @Timeout(300)
  void runASecureJob(@TempDir Path out) throws Exception {
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
    federation = LoopbackFederation.start(factories, config);
    federation.admin().awaitParticipants(SITES, Duration.ofSeconds(60));
    job = federation.admin().submit(config.jobSpecJson()).getJobId();
    RoundEvent end = federation.admin().watch(job, Duration.ofMinutes(4), event -> { });
    assertEquals(JobState.JOB_STATE_SUCCEEDED, end.getEnded().getState(), end.toString());
  }

  @AfterAll
  void stop() throws InterruptedException {
    if (federation != null) {
      federation.close();
    }
  }

  @Test
  void coordinatorMetrics_countTheJobsRoundsStagesUpdatesAndBytes() throws Exception {
    assertEquals(port, federation.metricsPort());
    assertEquals(200, get(port, "/readyz").statusCode(), "a serving coordinator is ready");
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

  @Test
  void siteMetrics_countItsTasksTrainingAndTransfers() throws Exception {
    ParticipantMetrics site = federation.siteMetrics(0);
    try (ObservabilityServer endpoint = ObservabilityServer.start(new InetSocketAddress("127.0.0.1", 0),
        site.registry(), site.readiness())) {
      assertEquals(200, get(endpoint.port(), "/readyz").statusCode(), "a site registered with its coordinator is ready");
      HttpResponse<String> scrape = get(endpoint.port(), "/metrics");
      assertEquals(200, scrape.statusCode());
      String metrics = scrape.body();
      assertEquals(Optional.of(1.0), value(metrics, "factoryfl_participant_connected"));
      // the site was in every cohort: round 0's masked statistics and each round's masked update
      assertEquals(Optional.of(1.0 + ROUNDS),
          value(metrics, "factoryfl_participant_tasks_total{kind=\"secagg_masked_input\",outcome=\"completed\"}"));
      assertEquals(Optional.of((double) ROUNDS),
          value(metrics, "factoryfl_participant_tasks_total{kind=\"evaluate\",outcome=\"completed\"}"));
      assertEquals(Optional.of((double) ROUNDS), value(metrics, "factoryfl_participant_training_duration_seconds_count"));
      assertEquals(Optional.empty(), metrics.lines().filter(line -> line.startsWith("factoryfl_participant_refusals_total"))
          .findFirst(), "no task was refused");
      double sent = value(metrics, "factoryfl_participant_rpc_sent_bytes_total{method=\"Fleet/SubmitUpdate\"}").orElse(0.0);
      double received = value(metrics, "factoryfl_participant_rpc_received_bytes_total{method=\"Fleet/DownloadModel\"}")
          .orElse(0.0);
      assertTrue(sent > 0 && received > 0, "model transfers are counted: " + sent + " sent, " + received + " received");
      assertTrue(metrics.contains("jvm_threads_live_threads"), "JVM metrics are served");
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
