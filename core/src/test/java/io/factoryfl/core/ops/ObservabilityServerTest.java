package io.factoryfl.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ObservabilityServerTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HttpResponse<String> get(ObservabilityServer server, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void metrics_servesTheRegistryAndJvmMetricsInPrometheusText() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.counter("factoryfl.test.events", "kind", "demo").increment(3);
    try (ObservabilityServer server = ObservabilityServer.start(
        new InetSocketAddress("127.0.0.1", 0), registry, Optional::empty)) {
      HttpResponse<String> metrics = get(server, "/metrics");
      assertEquals(200, metrics.statusCode());
      assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
      assertTrue(metrics.body().contains("factoryfl_test_events_total{kind=\"demo\"} 3.0"), metrics.body());
      assertTrue(metrics.body().contains("jvm_memory_used_bytes"), "JVM memory metrics are bound");
      assertTrue(metrics.body().contains("jvm_threads_live_threads"), "JVM thread metrics are bound");
      assertTrue(metrics.body().contains("system_cpu_count"), "processor metrics are bound");
    }
  }

  @Test
  void probes_answerLivenessAlwaysAndReadinessWithTheReason() throws Exception {
    AtomicReference<String> blocker = new AtomicReference<>("not connected to coordinator.example:7443");
    try (ObservabilityServer server = ObservabilityServer.start(new InetSocketAddress("127.0.0.1", 0),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> Optional.ofNullable(blocker.get()))) {
      assertEquals(200, get(server, "/healthz").statusCode());
      assertEquals("ok\n", get(server, "/healthz").body());
      HttpResponse<String> notReady = get(server, "/readyz");
      assertEquals(503, notReady.statusCode());
      assertEquals("not ready: not connected to coordinator.example:7443\n", notReady.body());
      blocker.set(null);
      HttpResponse<String> ready = get(server, "/readyz");
      assertEquals(200, ready.statusCode());
      assertEquals("ready\n", ready.body());
      assertEquals(404, get(server, "/admin").statusCode());
    }
  }

  @Test
  void start_onAPortInUse_namesTheAddressAndTheFlag() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (ObservabilityServer first = ObservabilityServer.start(
        new InetSocketAddress("127.0.0.1", 0), registry, Optional::empty)) {
      java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
          () -> ObservabilityServer.start(new InetSocketAddress("127.0.0.1", first.port()), registry,
              Optional::empty));
      assertTrue(e.getMessage().startsWith("cannot serve metrics on 127.0.0.1:" + first.port()), e.getMessage());
      assertTrue(e.getMessage().contains("--metrics-port"), e.getMessage());
    }
  }
}
