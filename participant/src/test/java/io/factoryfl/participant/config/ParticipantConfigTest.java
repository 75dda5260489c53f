package io.factoryfl.participant.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParticipantConfigTest {

  @TempDir Path dir;

  @BeforeEach
  void tlsFiles() throws Exception {
    // the loader only checks the files are readable; their contents are TlsMaterial's concern
    for (String file : new String[] {"site.pem", "site-key.pem", "ca.pem"}) {
      Files.writeString(dir.resolve(file), "placeholder");
    }
  }

  private Path config(String tls) throws Exception {
    return Files.writeString(dir.resolve("site.json"), """
        {"coordinator": "localhost:7443",
         "tls": {"certificate": "site.pem", "private_key": "site-key.pem", "ca": "ca.pem"%s},
         "datasets": {}}
        """.formatted(tls));
  }

  @Test
  void load_defaultsSigningKeyToFileBesideTheCertificate() throws Exception {
    Files.writeString(dir.resolve("site-signing-key.pem"), "placeholder");

    ParticipantConfig config = ParticipantConfig.load(config(""));

    assertEquals(dir.resolve("site-signing-key.pem").toAbsolutePath(), config.signingKey());
    assertEquals(dir.resolve("site.pem").toAbsolutePath(), config.certificate());
  }

  @Test
  void load_withoutSigningKeyFile_leavesSigningKeyNull() throws Exception {
    assertNull(ParticipantConfig.load(config("")).signingKey());
  }

  @Test
  void load_explicitSigningKeyWinsOverTheDefault() throws Exception {
    Files.writeString(dir.resolve("site-signing-key.pem"), "placeholder");
    Files.createDirectories(dir.resolve("keys"));
    Files.writeString(dir.resolve("keys/ed25519.pem"), "placeholder");

    ParticipantConfig config =
        ParticipantConfig.load(config(", \"signing_key\": \"keys/ed25519.pem\""));

    assertEquals(dir.resolve("keys/ed25519.pem").toAbsolutePath(), config.signingKey());
  }

  @Test
  void load_explicitSigningKeyMustExist() throws Exception {
    Path file = config(", \"signing_key\": \"missing.pem\"");

    var e = assertThrows(InvalidConfigException.class, () -> ParticipantConfig.load(file));
    assertEquals(file + ": tls.signing_key points to " + dir.resolve("missing.pem")
        .toAbsolutePath() + ", which does not exist or is not readable", e.getMessage());
  }

  @Test
  void reconnectMax_defaultsToThirtySeconds_andAnOutOfRangeValueIsRefusedNamingTheField() throws Exception {
    assertEquals(java.time.Duration.ofSeconds(30), ParticipantConfig.load(config("")).reconnectMax());
    Path two = Files.writeString(dir.resolve("two.json"), Files.readString(config(""))
        .replace("\"datasets\": {}", "\"datasets\": {}, \"reconnect_max_seconds\": 2"));
    assertEquals(java.time.Duration.ofSeconds(2), ParticipantConfig.load(two).reconnectMax());
    Path zero = Files.writeString(dir.resolve("zero.json"), Files.readString(config(""))
        .replace("\"datasets\": {}", "\"datasets\": {}, \"reconnect_max_seconds\": 0"));

    var e = assertThrows(InvalidConfigException.class, () -> ParticipantConfig.load(zero));
    assertEquals(zero + ": reconnect_max_seconds was 0; must be an integer between 1 and 3600 (the longest wait"
        + " between two attempts to reach the coordinator)", e.getMessage());
  }
}
