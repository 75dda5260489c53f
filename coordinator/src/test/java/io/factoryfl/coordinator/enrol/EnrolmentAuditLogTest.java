package io.factoryfl.coordinator.enrol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factoryfl.coordinator.enrol.EnrolmentAttempt.Outcome;
import io.factoryfl.core.security.Role;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnrolmentAuditLogTest {

  @TempDir Path dir;
  private static final Instant T = Instant.parse("2026-12-01T12:00:00Z");

  @Test
  void record_appendsOneJsonLinePerAttempt() throws Exception {
    EnrolmentAuditLog log = EnrolmentAuditLog.in(dir);

    log.record(new EnrolmentAttempt(T, "enrol", "192.0.2.7", "plant-berlin", null,
        Outcome.UNKNOWN_TOKEN));
    log.record(new EnrolmentAttempt(T.plusSeconds(1), "enrol", "192.0.2.8", "plant-paris",
        Role.PARTICIPANT, Outcome.ENROLLED));
    log.record(new EnrolmentAttempt(T.plusSeconds(2), "enrol", "192.0.2.7", null, null,
        Outcome.THROTTLED));

    List<String> lines = Files.readAllLines(dir.resolve(EnrolmentAuditLog.FILE));
    assertEquals(3, lines.size());
    assertEquals("{\"time\":\"2026-12-01T12:00:00Z\",\"method\":\"enrol\",\"peer\":\"192.0.2.7\","
        + "\"site\":\"plant-berlin\",\"role\":null,\"outcome\":\"refused\","
        + "\"reason\":\"unknown_token\"}", lines.get(0));
    JsonNode second = new ObjectMapper().readTree(lines.get(1));
    assertEquals("participant", second.get("role").asText());
    assertEquals("enrolled", second.get("outcome").asText());
    assertEquals("ok", second.get("reason").asText());
    JsonNode third = new ObjectMapper().readTree(lines.get(2));
    assertTrue(third.get("site").isNull());
    assertEquals("throttled", third.get("outcome").asText());
    assertEquals("too_many_failures", third.get("reason").asText());
  }

  @Test
  void record_intoAnUnwritablePlace_doesNotThrow() throws Exception {
    Path notADirectory = dir.resolve("file");
    Files.writeString(notADirectory, "x");
    EnrolmentAuditLog log = EnrolmentAuditLog.in(notADirectory);

    log.record(new EnrolmentAttempt(T, "enrol", "192.0.2.7", null, null,
        Outcome.MALFORMED_TOKEN));

    assertFalse(Files.exists(notADirectory.resolve(EnrolmentAuditLog.FILE)));
  }

  @Test
  void attempt_keepsOnlyAValidSiteName() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> new EnrolmentAttempt(T, "enrol", "192.0.2.7",
            "plant:" + "A".repeat(43), null, Outcome.UNKNOWN_TOKEN));
    assertEquals("site is not an identity name (49 characters)", e.getMessage());
  }

  @Test
  void remotePeer_isTheIpv4AddressOrTheIpv6Network() throws Exception {
    assertEquals("192.0.2.7", RemotePeer.keyOf(
        new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 50123)));
    assertEquals("2001:db8:1:2:0:0:0:0/64", RemotePeer.keyOf(
        new InetSocketAddress(InetAddress.getByName("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), 1)));
    assertEquals("unknown", RemotePeer.keyOf(null));
  }
}
