package io.factoryfl.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/systemd/factoryfl-participant.service: hardened, and valid for systemd itself. */
class SystemdUnitTest {
  private static final Path UNIT = Path.of("..", "deploy", "systemd", "factoryfl-participant.service")
      .toAbsolutePath().normalize();

  @TempDir Path work;

  @Test
  void unitIsHardenedAndRestartsOnFailure() throws Exception {
    List<String> lines = Files.readAllLines(UNIT);
    for (String setting : List.of("User=factoryfl", "NoNewPrivileges=yes", "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/factoryfl/participant", "StateDirectory=factoryfl/participant",
        "PrivateTmp=yes", "CapabilityBoundingSet=", "Restart=on-failure",
        "Environment=OMP_NUM_THREADS=1", "WantedBy=multi-user.target")) {
      assertTrue(lines.contains(setting), "the unit lacks " + setting);
    }
  }

  @Test
  void systemdAnalyzeVerifiesTheUnitWithoutWarnings() throws Exception {
    Path analyze = Path.of("/usr/bin/systemd-analyze");
    Assumptions.assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed here, so"
        + " the systemd unit is not verified (install systemd to check it)");
    // the same unit, its java the one running this test: verify checks that ExecStart exists
    Path unit = work.resolve(UNIT.getFileName());
    Files.writeString(unit, Files.readString(UNIT).replace("/usr/bin/java",
        Path.of(System.getProperty("java.home"), "bin", "java").toString()));

    Process verify = new ProcessBuilder(analyze.toString(), "verify", unit.toString())
        .redirectErrorStream(true).start();
    String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(verify.waitFor(1, TimeUnit.MINUTES));

    assertEquals(0, verify.exitValue(), output);
    // unknown or misspelt settings are only warnings: any line about our unit fails the test
    assertFalse(output.contains("factoryfl-participant"), output);
  }
}
