package io.factoryfl.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RevocationWatcherTest {

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2025-06-01T12:00:00Z"));
  private Path file;

  @BeforeEach
  void setUp() throws Exception {
    CertificateAuthority.create("acme", clock, Duration.ofDays(365), new SecureRandom()).save(dir);
    file = dir.resolve(RevocationList.FILE);
  }

  @Test
  void current_picksUpARevocationWithoutARestart() throws Exception {
    RevocationWatcher watcher = new RevocationWatcher(file, clock, Duration.ZERO);
    assertFalse(watcher.current().isRevoked("plant-3"));

    RevocationList.revoke(dir, "plant-3", "", clock);
    assertTrue(watcher.current().isRevoked("plant-3"));

    RevocationList.revoke(dir, "plant-4", "", clock);
    assertTrue(watcher.current().isRevoked("plant-4"));
  }

  @Test
  void current_looksAtTheFileAtMostOncePerRecheckInterval() throws Exception {
    RevocationWatcher watcher = new RevocationWatcher(file, clock, Duration.ofSeconds(1));
    RevocationList.revoke(dir, "plant-3", "", clock);

    assertFalse(watcher.current().isRevoked("plant-3"), "within the interval: the last look");
    clock.advance(Duration.ofSeconds(1));
    assertTrue(watcher.current().isRevoked("plant-3"));
  }

  @Test
  void current_failsWhileTheFileIsDamaged_andRecoversWhenFixed() throws Exception {
    RevocationList.revoke(dir, "plant-3", "", clock);
    RevocationWatcher watcher = new RevocationWatcher(file, clock, Duration.ZERO);
    String good = Files.readString(file);

    Files.writeString(file, "{\"version\": 7, \"revoked\": []}");
    IOException e = assertThrows(IOException.class, watcher::current);
    assertEquals("revocation list unusable: " + file + " has version 7; this FactoryFL reads"
        + " version 1", e.getMessage());

    Files.writeString(file, good + " ");
    assertTrue(watcher.current().isRevoked("plant-3"));
  }

  @Test
  void constructor_refusesADamagedFileNamingIt() throws Exception {
    Files.writeString(file, "not json");

    IOException e = assertThrows(IOException.class,
        () -> new RevocationWatcher(file, clock, Duration.ZERO));

    assertTrue(e.getMessage().startsWith(file + " is not valid JSON"), e.getMessage());
  }
}
