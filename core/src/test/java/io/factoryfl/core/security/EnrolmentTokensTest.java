package io.factoryfl.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnrolmentTokensTest {

  private static final Instant T0 = Instant.parse("2025-06-01T12:00:00Z");

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private final SecureRandom random = new SecureRandom();
  private CertificateAuthority ca;
  private EnrolmentTokens tokens;

  @BeforeEach
  void setUp() throws Exception {
    ca = CertificateAuthority.create("acme", clock, Duration.ofDays(3650), random);
    ca.save(dir);
    tokens = new EnrolmentTokens(dir, clock);
  }

  @Test
  void create_printsSiteAndSecretButStoresOnlyItsHash() throws Exception {
    EnrolmentTokens.Created created =
        tokens.create("plant-berlin", Role.PARTICIPANT, Duration.ofHours(24), Duration.ofDays(365),
            random);

    assertTrue(created.token().matches("plant-berlin:[A-Za-z0-9_-]{43}"), "token shape");
    String stored = Files.readString(dir.resolve(EnrolmentTokens.FILE));
    String secret = created.token().substring(created.token().indexOf(':') + 1);
    assertFalse(stored.contains(secret), "the secret must never be written to disk");
    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(created.token().getBytes(StandardCharsets.UTF_8)));
    assertTrue(stored.contains(hash), stored);
    EnrolmentToken record = tokens.list().get(0);
    assertEquals("plant-berlin", record.site());
    assertEquals(Role.PARTICIPANT, record.role());
    assertEquals(T0.plus(Duration.ofHours(24)), record.expires());
    assertFalse(record.used());
    assertFalse(created.toString().contains(secret), created.toString());
  }

  @Test
  void redeem_issuesTheCertificateAndMarksTheTokenUsed() throws Exception {
    String token = newToken("plant-berlin", Role.ADMIN);

    X509Certificate cert = tokens.redeem(token, record -> issue(record));

    assertEquals(new PeerIdentity("plant-berlin", Role.ADMIN), PeerIdentity.fromCertificate(cert));
    EnrolmentToken record = tokens.list().get(0);
    assertEquals(T0, record.usedAt());
    assertEquals(cert.getSerialNumber().toString(16), record.usedBySerial());
  }

  @Test
  void redeem_secondTime_isRefusedAsUsedNamingWhenAndWhichCertificate() throws Exception {
    String token = newToken("plant-berlin", Role.PARTICIPANT);
    X509Certificate first = tokens.redeem(token, this::issue);
    AtomicInteger issued = new AtomicInteger();

    TokenRefusedException e = assertThrows(TokenRefusedException.class,
        () -> tokens.redeem(token, record -> {
          issued.incrementAndGet();
          return issue(record);
        }));

    assertEquals(TokenRefusedException.Reason.USED, e.reason());
    assertEquals("enrolment token for site 'plant-berlin' was already used at " + T0
        + " (certificate serial " + first.getSerialNumber().toString(16) + "); a token works"
        + " once: ask the CA operator for a new one ('factoryfl ca token --site plant-berlin')",
        e.getMessage());
    assertEquals(0, issued.get(), "no second certificate may be issued");
  }

  @Test
  void redeem_afterExpiry_isRefusedAsExpired() throws Exception {
    String token = newToken("plant-berlin", Role.PARTICIPANT);
    clock.advance(Duration.ofHours(24));

    TokenRefusedException e = assertThrows(TokenRefusedException.class,
        () -> tokens.redeem(token, this::issue));

    assertEquals(TokenRefusedException.Reason.EXPIRED, e.reason());
    assertTrue(e.getMessage().startsWith("enrolment token for site 'plant-berlin' expired at "
        + T0.plus(Duration.ofHours(24)) + " (now " + T0.plus(Duration.ofHours(24)) + ")"),
        e.getMessage());
    assertFalse(tokens.list().get(0).used());
  }

  @Test
  void redeem_justBeforeExpiry_succeeds() throws Exception {
    String token = newToken("plant-berlin", Role.PARTICIPANT);
    clock.advance(Duration.ofHours(24).minusSeconds(1));

    assertNotNull(tokens.redeem(token, this::issue));
  }

  @Test
  void redeem_unknownOrMalformedToken_isRefusedWithoutEchoingIt() throws Exception {
    newToken("plant-berlin", Role.PARTICIPANT);
    String forged = "plant-berlin:" + "A".repeat(43);

    TokenRefusedException unknown = assertThrows(TokenRefusedException.class,
        () -> tokens.redeem(forged, this::issue));
    TokenRefusedException malformed = assertThrows(TokenRefusedException.class,
        () -> tokens.redeem("s3cr3t-without-site", this::issue));

    assertEquals(TokenRefusedException.Reason.UNKNOWN, unknown.reason());
    assertTrue(unknown.getMessage().contains("is not known to this CA"), unknown.getMessage());
    assertFalse(unknown.getMessage().contains("A".repeat(43)));
    assertEquals(TokenRefusedException.Reason.MALFORMED, malformed.reason());
    assertFalse(malformed.getMessage().contains("s3cr3t"), malformed.getMessage());
  }

  @Test
  void redeem_whenIssuingFails_leavesTheTokenUsable() throws Exception {
    String token = newToken("plant-berlin", Role.PARTICIPANT);

    assertThrows(IllegalArgumentException.class, () -> tokens.redeem(token, record -> {
      throw new IllegalArgumentException("bad request");
    }));

    assertFalse(tokens.list().get(0).used());
    assertNotNull(tokens.redeem(token, this::issue));
  }

  @Test
  void redeem_concurrently_succeedsExactlyOnce() throws Exception {
    String token = newToken("plant-berlin", Role.PARTICIPANT);
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Boolean>> results = new ArrayList<>();
    // separate instances, as a coordinator and a second process would have
    for (int i = 0; i < threads; i++) {
      EnrolmentTokens store = new EnrolmentTokens(dir, clock);
      results.add(pool.submit(() -> {
        start.await();
        try {
          store.redeem(token, this::issue);
          return true;
        } catch (TokenRefusedException e) {
          assertEquals(TokenRefusedException.Reason.USED, e.reason());
          return false;
        }
      }));
    }
    start.countDown();
    int won = 0;
    for (Future<Boolean> result : results) {
      won += result.get(30, TimeUnit.SECONDS) ? 1 : 0;
    }
    pool.shutdown();

    assertEquals(1, won);
  }

  @Test
  void create_refusesTooLongTtlAndCoordinatorRole() {
    IllegalArgumentException ttl = assertThrows(IllegalArgumentException.class,
        () -> tokens.create("plant-berlin", Role.PARTICIPANT, Duration.ofDays(31),
            Duration.ofDays(365), random));
    IllegalArgumentException role = assertThrows(IllegalArgumentException.class,
        () -> tokens.create("coordinator", Role.COORDINATOR, Duration.ofHours(1),
            Duration.ofDays(365), random));

    assertEquals("token lifetime PT744H for 'plant-berlin' must be positive and at most 30 days",
        ttl.getMessage());
    assertTrue(role.getMessage().startsWith("enrolment tokens are for participant, admin and"
        + " auditor identities"), role.getMessage());
  }

  @Test
  void siteOf_readsTheSiteAndRejectsOtherText() {
    assertEquals("plant.7", EnrolmentTokens.siteOf("plant.7:" + "x".repeat(43)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EnrolmentTokens.siteOf("plant-7"));
    assertEquals("this is not an enrolment token (7 characters): expected SITE:SECRET exactly as"
        + " printed by 'factoryfl ca token'", e.getMessage());
  }

  private String newToken(String site, Role role) throws Exception {
    return tokens.create(site, role, Duration.ofHours(24), Duration.ofDays(365), random).token();
  }

  private X509Certificate issue(EnrolmentToken record) {
    return ca.issue(record.site(), record.role(), record.certificateValidity(), List.of())
        .certificate();
  }
}
