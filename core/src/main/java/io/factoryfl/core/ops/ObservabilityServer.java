package io.factoryfl.core.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A process's observability endpoint, a small HTTP server (the JDK's) for Prometheus and
 * Kubernetes probes:
 * <ul>
 *   <li>{@code GET /metrics}: the registry in the Prometheus text format, JVM metrics included
 *       (memory, GC, threads, CPU), bound when the server starts;
 *   <li>{@code GET /healthz}: liveness, {@code 200 ok} while the process runs;
 *   <li>{@code GET /readyz}: readiness, {@code 200 ready}, or {@code 503} with the one-line
 *       reason of the {@link Readiness}.
 * </ul>
 * Other paths answer 404 and other methods 405. Plain HTTP, no authentication: bind it to an
 * address only the monitoring network reaches (the participant's default is 127.0.0.1).
 */
public final class ObservabilityServer implements AutoCloseable {
  /** The content type of the Prometheus text exposition format 0.0.4. */
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;
  private final JvmGcMetrics gc;

  private ObservabilityServer(HttpServer server, ExecutorService executor, JvmGcMetrics gc) {
    this.server = server;
    this.executor = executor;
    this.gc = gc;
  }

  /**
   * Binds JVM metrics to {@code registry} and serves it on {@code address} (port 0: any free
   * port, see {@link #port()}).
   *
   * @throws IOException naming the address when it cannot be bound (in use, not local)
   */
  public static ObservabilityServer start(InetSocketAddress address, PrometheusMeterRegistry registry,
      Readiness readiness) throws IOException {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(readiness, "readiness");
    if (address.isUnresolved()) {
      throw new IOException("cannot serve metrics on " + address.getHostString() + ": no such address;"
          + " give --metrics-address an address of this host, e.g. 127.0.0.1 or 0.0.0.0");
    }
    HttpServer server;
    try {
      server = HttpServer.create(address, 16);
    } catch (IOException e) {
      throw new IOException("cannot serve metrics on " + address.getHostString() + ":" + address.getPort()
          + " (" + e.getMessage() + "); choose another --metrics-port or --metrics-address, or"
          + " --metrics-port 0 to turn the endpoint off", e);
    }
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    server.createContext("/metrics", exchange -> answer(exchange, 200, PROMETHEUS_TEXT, registry.scrape()));
    server.createContext("/healthz", exchange -> answer(exchange, 200, "text/plain; charset=utf-8", "ok\n"));
    server.createContext("/readyz", exchange -> {
      Optional<String> blocker = readiness.notReadyBecause();
      answer(exchange, blocker.isEmpty() ? 200 : 503, "text/plain; charset=utf-8",
          blocker.map(reason -> "not ready: " + reason + "\n").orElse("ready\n"));
    });
    server.createContext("/", exchange -> answer(exchange, 404, "text/plain; charset=utf-8",
        "no such endpoint; try /metrics, /healthz or /readyz\n"));
    ExecutorService executor = Executors.newFixedThreadPool(2, runnable -> {
      Thread thread = new Thread(runnable, "observability-http");
      thread.setDaemon(true);
      return thread;
    });
    server.setExecutor(executor);
    server.start();
    return new ObservabilityServer(server, executor, gc);
  }

  /** The port it listens on (the bound one when started on port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  /** Stops serving at once and unbinds the GC listeners. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    gc.close();
  }
}
