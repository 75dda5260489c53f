package io.factoryfl.coordinator.enrol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.factoryfl.coordinator.server.AuthenticationInterceptor;
import io.factoryfl.coordinator.server.MutableClock;
import io.factoryfl.coordinator.server.ServerTls;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.EnrolmentKeys;
import io.factoryfl.core.security.EnrolmentTokens;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.RevocationList;
import io.factoryfl.core.security.RevocationWatcher;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.proto.v1.EnrolRequest;
import io.factoryfl.proto.v1.EnrolResponse;
import io.factoryfl.proto.v1.EnrolmentGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An outsider guessing enrolment secrets, over real loopback TLS against the real Enrolment
 * service: the attacker dials from 127.0.0.1, honest sites from 127.0.0.2 (Linux routes all of
 * 127/8 to the loopback interface, so the service sees two addresses).
 */
class EnrolmentAbuseTest {

  private static final String ATTACKER = "127.0.0.1";
  private static final String HONEST = "127.0.0.2";
  private static final int GUESSES = 200;

  @TempDir Path caDir;
  private final SecureRandom random = new SecureRandom();
  // the real time, so that the JDK's TLS checks accept the certificates; it does not move
  private final MutableClock clock = new MutableClock(Instant.now());
  private final List<ManagedChannel> channels = new ArrayList<>();
  private CertificateAuthority ca;
  private EnrolmentTokens tokens;
  private Server server;

  @BeforeEach
  void start() throws Exception {
    ca = CertificateAuthority.create("acme", clock, Duration.ofDays(30), random);
    ca.save(caDir);
    tokens = new EnrolmentTokens(caDir, clock);
    AuthenticationInterceptor gate = new AuthenticationInterceptor(
        new RevocationWatcher(caDir.resolve(RevocationList.FILE), clock, Duration.ZERO), clock);
    TlsMaterial tls = TlsMaterial.of(ca.issue("coordinator", Role.COORDINATOR,
        Duration.ofDays(1), List.of("localhost")));
    server = ServerTls.serverBuilder(new InetSocketAddress("0.0.0.0", 0), tls)
        .addService(ServerInterceptors.intercept(EnrolmentService.open(caDir, clock, random),
            gate))
        .build().start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void twoHundredWrongSecrets_areThrottledAfterFive_allAudited_noneRecorded() throws Exception {
    EnrolmentGrpc.EnrolmentBlockingStub attacker = stub(ATTACKER);
    EnrolmentKeys keys = EnrolmentKeys.generate("plant-berlin", random);
    List<String> secrets = new ArrayList<>();
    List<Status> answers = new ArrayList<>();

    for (int i = 0; i < GUESSES; i++) {
      String secret = randomSecret();
      secrets.add(secret);
      answers.add(assertThrows(StatusRuntimeException.class,
          () -> attacker.enrol(request("plant-berlin:" + secret, keys))).getStatus());
    }

    for (int i = 0; i < 5; i++) {
      assertEquals(Status.Code.UNAUTHENTICATED, answers.get(i).getCode(), "guess " + (i + 1));
    }
    for (int i = 5; i < GUESSES; i++) {
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, answers.get(i).getCode(), "guess " + (i + 1));
    }
    String throttled = answers.get(5).getDescription();
    assertTrue(throttled.startsWith("too many failed enrolment attempts"), throttled);
    assertTrue(throttled.contains("the limit is 5 failed attempts per 60 s, to stop tokens"
        + " being guessed"), throttled);
    assertTrue(throttled.contains("this attempt was not checked. Try again in 12 s"), throttled);

    List<JsonNode> records = audit();
    assertEquals(GUESSES, records.size(), "one record per attempt");
    for (int i = 0; i < GUESSES; i++) {
      JsonNode record = records.get(i);
      assertEquals("enrol", record.get("method").asText());
      assertEquals(ATTACKER, record.get("peer").asText());
      assertEquals("plant-berlin", record.get("site").asText());
      assertTrue(record.get("role").isNull());
      assertEquals(i < 5 ? "refused" : "throttled", record.get("outcome").asText());
      assertEquals(i < 5 ? "unknown_token" : "too_many_failures", record.get("reason").asText());
      Instant.parse(record.get("time").asText());
    }
    String file = Files.readString(caDir.resolve(EnrolmentAuditLog.FILE));
    for (String secret : secrets) {
      assertFalse(file.contains(secret.substring(0, 8)), "a secret's prefix is in the log");
    }
  }

  @Test
  void whileAnAttackerIsThrottled_anHonestSiteElsewhereEnrols() throws Exception {
    String honestToken = token("plant-paris");
    guessUntilThrottled("plant-berlin");

    IssuedIdentity paris = enrol(HONEST, honestToken, "plant-paris");

    assertEquals(new PeerIdentity("plant-paris", Role.PARTICIPANT), paris.identity());
    JsonNode last = audit().get(audit().size() - 1);
    assertEquals(HONEST, last.get("peer").asText());
    assertEquals("plant-paris", last.get("site").asText());
    assertEquals("participant", last.get("role").asText());
    assertEquals("enrolled", last.get("outcome").asText());
    assertFalse(Files.readString(caDir.resolve(EnrolmentAuditLog.FILE))
        .contains(honestToken.substring(honestToken.indexOf(':') + 1, honestToken.length() - 30)));
  }

  @Test
  void aThrottledAddress_isRefusedEvenWithAValidToken_whichStaysUnused() throws Exception {
    String valid = token("plant-rome");
    guessUntilThrottled("plant-berlin");

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> enrol(ATTACKER, valid, "plant-rome"));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("too many failed enrolment attempts"
        + " from 127.0.0.1"), e.getStatus().getDescription());
    assertFalse(tokens.list().stream().anyMatch(t -> t.used()), "the token was not looked at");
    clock.advance(Duration.ofSeconds(12));
    assertEquals("plant-rome", enrol(ATTACKER, valid, "plant-rome").identity().name());
  }

  @Test
  void theAttackedSiteName_waitsOneRefill_thenEnrolsWithItsRealToken() throws Exception {
    String real = token("plant-berlin");
    guessUntilThrottled("plant-berlin");

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> enrol(HONEST, real, "plant-berlin"));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("too many failed enrolment attempts"
        + " for site 'plant-berlin'"), e.getStatus().getDescription());
    clock.advance(Duration.ofSeconds(12));
    assertEquals("plant-berlin", enrol(HONEST, real, "plant-berlin").identity().name());
  }

  @Test
  void successfulEnrolments_doNotCountAgainstTheLimit() throws Exception {
    for (int i = 0; i < 8; i++) {
      String site = "plant-" + i;
      assertEquals(site, enrol(HONEST, token(site), site).identity().name());
    }
    assertEquals(8, audit().stream().filter(r -> r.get("outcome").asText().equals("enrolled"))
        .count());
  }

  private void guessUntilThrottled(String site) {
    EnrolmentGrpc.EnrolmentBlockingStub attacker = stub(ATTACKER);
    EnrolmentKeys keys = EnrolmentKeys.generate(site, random);
    for (int i = 0; i < 6; i++) {
      assertThrows(StatusRuntimeException.class,
          () -> attacker.enrol(request(site + ":" + randomSecret(), keys)));
    }
  }

  private String token(String site) throws Exception {
    return tokens.create(site, Role.PARTICIPANT, Duration.ofHours(24), Duration.ofDays(7),
        random).token();
  }

  private IssuedIdentity enrol(String from, String token, String name) {
    EnrolmentKeys keys = EnrolmentKeys.generate(name, random);
    EnrolResponse answer = stub(from).enrol(request(token, keys));
    return keys.accept(answer.getCertificateDer().toByteArray(),
        answer.getCaCertificateDer().toByteArray(), ca.certificate());
  }

  private String randomSecret() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private List<JsonNode> audit() throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> records = new ArrayList<>();
    for (String line : Files.readAllLines(caDir.resolve(EnrolmentAuditLog.FILE))) {
      records.add(json.readTree(line));
    }
    return records;
  }

  private static EnrolRequest request(String token, EnrolmentKeys keys) {
    return EnrolRequest.newBuilder()
        .setToken(token)
        .setCsrDer(ByteString.copyFrom(keys.csrDer()))
        .setSigningPublicKeyDer(ByteString.copyFrom(keys.signingPublicKeyDer()))
        .build();
  }

  /** An enrolling site's stub (no client certificate) dialling from {@code localAddress}. */
  private EnrolmentGrpc.EnrolmentBlockingStub stub(String localAddress) {
    try {
      ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", server.getPort())
          .localSocketPicker(new NettyChannelBuilder.LocalSocketPicker() {
            @Override
            public java.net.SocketAddress createSocketAddress(java.net.SocketAddress remote,
                io.grpc.Attributes attrs) {
              return new InetSocketAddress(localAddress, 0);
            }
          })
          .sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient()
                  .trustManager(TlsMaterial.trustOnly(List.of(ca.certificate()))))
              .protocols("TLSv1.3").build())
          .build();
      channels.add(channel);
      return EnrolmentGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    } catch (javax.net.ssl.SSLException e) {
      throw new IllegalStateException(e);
    }
  }
}
