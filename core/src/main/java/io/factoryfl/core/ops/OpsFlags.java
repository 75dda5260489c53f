package io.factoryfl.core.ops;

import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.UsageException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Set;

/**
 * The operations flags that the coordinator and the participant share: {@code --log-format},
 * {@code --metrics-port} and {@code --metrics-address}. Only the defaults differ (the coordinator
 * serves metrics on 0.0.0.0:9464, the participant on 127.0.0.1:9465).
 *
 * @param metricsPort 0 when the endpoint is off
 */
public record OpsFlags(LogFormat logFormat, int metricsPort, String metricsAddress) {
  /** The valued options, to add to a command's. */
  public static final Set<String> NAMES = Set.of("--log-format", "--metrics-port", "--metrics-address");

  /** The lines of a command's help that describe these flags. */
  public static String help(int defaultPort, String defaultAddress) {
    return """
          --metrics-port N   serve /metrics (Prometheus), /healthz and /readyz over plain HTTP on
                             this port (default %d; 0 turns the endpoint off)
          --metrics-address ADDRESS
                             address of that endpoint (default %s)
          --log-format text|json
                             diagnostic log lines on standard error: text (default) or one JSON
                             object per line; -Dfactoryfl.log.level=debug|info|warn|error sets the level
        """.formatted(defaultPort, defaultAddress);
  }

  /** Reads the flags of {@code flags}, with the command's defaults. */
  public static OpsFlags from(Flags flags, int defaultPort, String defaultAddress) throws UsageException {
    LogFormat format;
    try {
      format = LogFormat.parse(flags.get("--log-format", "text"));
    } catch (IllegalArgumentException e) {
      throw new UsageException(flags.command(), e.getMessage());
    }
    return new OpsFlags(format, flags.intValue("--metrics-port", defaultPort, 0, 65535),
        flags.get("--metrics-address", defaultAddress));
  }

  /** Sets up logging in the chosen format (level from -Dfactoryfl.log.level, default info). */
  public void configureLogging() {
    Logging.configure(logFormat, "info");
  }

  /**
   * Starts the observability endpoint for {@code registry}, or nothing when the port is 0.
   *
   * @throws IOException naming the address and the flag when it cannot be bound
   */
  public Optional<ObservabilityServer> startEndpoint(PrometheusMeterRegistry registry, Readiness readiness)
      throws IOException {
    if (metricsPort == 0) {
      return Optional.empty();
    }
    return Optional.of(ObservabilityServer.start(new InetSocketAddress(metricsAddress, metricsPort), registry,
        readiness));
  }
}
