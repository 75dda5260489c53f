package io.factoryfl.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.UsageException;
import org.junit.jupiter.api.Test;

class OpsFlagsTest {
  private static OpsFlags parse(String... args) throws Exception {
    return OpsFlags.from(Flags.parse("participant", args, OpsFlags.NAMES, java.util.Set.of()), 9465, "127.0.0.1");
  }

  @Test
  void defaults_areTheCommandsPortAndAddressAndText() throws Exception {
    assertEquals(new OpsFlags(LogFormat.TEXT, 9465, "127.0.0.1"), parse());
    assertEquals(new OpsFlags(LogFormat.JSON, 0, "0.0.0.0"),
        parse("--log-format", "json", "--metrics-port", "0", "--metrics-address", "0.0.0.0"));
  }

  @Test
  void from_refusesAnUnknownFormatOrAPortOutOfRange() {
    UsageException format = assertThrows(UsageException.class, () -> parse("--log-format", "xml"));
    assertEquals("--log-format was 'xml'; use text or json", format.getMessage());
    UsageException port = assertThrows(UsageException.class, () -> parse("--metrics-port", "70000"));
    assertEquals("invalid --metrics-port '70000': expected a whole number from 0 to 65535", port.getMessage());
  }

  @Test
  void startEndpoint_atPortZero_startsNothing() throws Exception {
    assertEquals(java.util.Optional.empty(), parse("--metrics-port", "0")
        .startEndpoint(new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
            io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT), java.util.Optional::empty));
  }
}
