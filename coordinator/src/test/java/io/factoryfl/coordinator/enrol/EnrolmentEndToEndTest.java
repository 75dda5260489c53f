package io.factoryfl.coordinator.enrol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.factoryfl.coordinator.server.AuthenticationInterceptor;
import io.factoryfl.coordinator.server.MutableClock;
import io.factoryfl.coordinator.server.StubServices;
import io.factoryfl.coordinator.server.TlsLoopback;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.CertificateLog;
import io.factoryfl.core.security.EnrolmentKeys;
import io.factoryfl.core.security.EnrolmentTokens;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.KeyContinuity;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.RevocationList;
import io.factoryfl.core.security.RevocationWatcher;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.proto.v1.AdminGrpc;
import io.factoryfl.proto.v1.EnrolRequest;
import io.factoryfl.proto.v1.EnrolResponse;
import io.factoryfl.proto.v1.EnrolmentGrpc;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.HeartbeatRequest;
import io.factoryfl.proto.v1.ListJobsRequest;
import io.factoryfl.proto.v1.RenewRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Enrolment over real loopback TLS, as a site does it: the CA directory on the coordinator, a
 * token from the operator, keys made by the site, then mutual TLS with the new certificate.
 */
class EnrolmentEndToEndTest {

  @TempDir Path caDir;
  private final SecureRandom random = new SecureRandom();
  // starts at the real time so that the JDK's TLS checks accept the certificates
  private final MutableClock clock = new MutableClock(Instant.now());
  private final StubServices.Fleet fleet = new StubServices.Fleet();
  private final StubServices.Admin admin = new StubServices.Admin();
  private CertificateAuthority ca;
  private EnrolmentTokens tokens;
  private TlsLoopback coordinator;

  @BeforeEach
  void start() throws Exception {
    ca = CertificateAuthority.create("acme", clock, Duration.ofDays(30), random);
    ca.save(caDir);
    tokens = new EnrolmentTokens(caDir, clock);
    AuthenticationInterceptor gate = new AuthenticationInterceptor(
        new RevocationWatcher(caDir.resolve(RevocationList.FILE), clock, Duration.ZERO), clock);
    coordinator = TlsLoopback.start(ca, gate,
        EnrolmentService.open(caDir, clock, random), fleet, admin);
  }

  @AfterEach
  void stop() throws InterruptedException {
    coordinator.close();
  }

  @Test
  void enrol_thenMutualTls_servesTheNewIdentityWithItsRole() throws Exception {
    String token = token("plant-berlin", Role.PARTICIPANT);

    IssuedIdentity site = enrol(token, "plant-berlin");

    assertEquals(new PeerIdentity("plant-berlin", Role.PARTICIPANT), site.identity());
    assertTrue(heartbeat(coordinator.channel(site)));
    assertEquals(new PeerIdentity("plant-berlin", Role.PARTICIPANT), fleet.caller.get());
    assertEquals("plant-berlin", SigningIdentity.of(site).name(), "signing key bound");
    assertEquals(List.of(serial(site)), CertificateLog.of(caDir, "plant-berlin").stream()
        .map(CertificateLog.Entry::serial).toList());
    assertTrue(tokens.list().get(0).used());
  }

  @Test
  void enrol_adminAndAuditorTokens_giveThoseRoles() throws Exception {
    IssuedIdentity alice = enrol(token("alice", Role.ADMIN), "alice");
    IssuedIdentity carol = enrol(token("carol", Role.AUDITOR), "carol");

    listJobs(coordinator.channel(alice));
    assertEquals(new PeerIdentity("alice", Role.ADMIN), admin.caller.get());
    listJobs(coordinator.channel(carol));
    assertEquals(new PeerIdentity("carol", Role.AUDITOR), admin.caller.get());
  }

  @Test
  void enrol_tokenUsedTwice_isRefusedTheSecondTime() throws Exception {
    String token = token("plant-berlin", Role.PARTICIPANT);
    IssuedIdentity first = enrol(token, "plant-berlin");

    StatusRuntimeException e = assertStatus(Status.Code.UNAUTHENTICATED,
        () -> enrol(token, "plant-berlin"));

    assertTrue(e.getStatus().getDescription().startsWith("enrolment token for site"
        + " 'plant-berlin' was already used at "), e.getStatus().getDescription());
    assertTrue(e.getStatus().getDescription().contains("(certificate serial " + serial(first)
        + ")"), e.getStatus().getDescription());
    assertEquals(1, CertificateLog.of(caDir, "plant-berlin").size(), "no second certificate");
  }

  @Test
  void enrol_expiredToken_isRefused() throws Exception {
    String token = tokens.create("plant-berlin", Role.PARTICIPANT, Duration.ofHours(1),
        Duration.ofDays(7), random).token();
    Instant expiry = clock.instant().plus(Duration.ofHours(1));
    clock.advance(Duration.ofHours(2));

    StatusRuntimeException e = assertStatus(Status.Code.UNAUTHENTICATED,
        () -> enrol(token, "plant-berlin"));

    assertTrue(e.getStatus().getDescription().startsWith("enrolment token for site"
        + " 'plant-berlin' expired at " + expiry), e.getStatus().getDescription());
  }

  @Test
  void enrol_requestForAnotherName_isRefusedAndLeavesTheTokenUsable() throws Exception {
    String token = token("plant-berlin", Role.PARTICIPANT);

    StatusRuntimeException e = assertStatus(Status.Code.INVALID_ARGUMENT,
        () -> enrol(token, "plant-paris"));

    assertEquals("the enrolment token is for 'plant-berlin', but the certificate request names"
        + " 'plant-paris'; enrol as 'plant-berlin' (leave out --name)",
        e.getStatus().getDescription());
    assertEquals("plant-berlin", enrol(token, "plant-berlin").identity().name());
  }

  @Test
  void revokedCertificate_isRefusedOnTheNextCallWithoutRestart() throws Exception {
    IssuedIdentity site = enrol(token("plant-berlin", Role.PARTICIPANT), "plant-berlin");
    ManagedChannel open = coordinator.channel(site);
    assertTrue(heartbeat(open));

    RevocationList.revoke(caDir, "plant-berlin", "decommissioned", clock);

    String expected = "certificate of 'plant-berlin' (serial " + serial(site) + ") is revoked"
        + " ('plant-berlin' revoked at " + clock.instant() + ": decommissioned)";
    StatusRuntimeException fresh = assertStatus(Status.Code.UNAUTHENTICATED,
        () -> heartbeat(coordinator.channel(site)));
    assertEquals(expected, fresh.getStatus().getDescription());
    StatusRuntimeException existing = assertStatus(Status.Code.UNAUTHENTICATED,
        () -> heartbeat(open));
    assertEquals(expected, existing.getStatus().getDescription());
  }

  @Test
  void damagedRevocationList_refusesEveryoneUntilFixed() throws Exception {
    IssuedIdentity site = enrol(token("plant-berlin", Role.PARTICIPANT), "plant-berlin");
    Path list = caDir.resolve(RevocationList.FILE);
    Files.writeString(list, "{\"version\": 1, \"revoked\": [");

    StatusRuntimeException e = assertStatus(Status.Code.UNAVAILABLE,
        () -> heartbeat(coordinator.channel(site)));

    assertTrue(e.getStatus().getDescription().startsWith("the coordinator cannot read its"
        + " revocation list, so it admits no one until its operator fixes it: "),
        e.getStatus().getDescription());
    Files.writeString(list, "{\"version\": 1, \"revoked\": []}");
    assertTrue(heartbeat(coordinator.channel(site)));
  }

  @Test
  void revokedName_cannotEnrolAgain() throws Exception {
    enrol(token("plant-berlin", Role.PARTICIPANT), "plant-berlin");
    String second = token("plant-berlin", Role.PARTICIPANT);
    RevocationList.revoke(caDir, "plant-berlin", "", clock);

    StatusRuntimeException e = assertStatus(Status.Code.PERMISSION_DENIED,
        () -> enrol(second, "plant-berlin"));

    assertEquals("'plant-berlin' is revoked and cannot be given a certificate again; ask the CA"
        + " operator for a token for a new name", e.getStatus().getDescription());
  }

  @Test
  void expiredCertificateReachingTheGate_isRefusedSayingSo() throws Exception {
    String token = tokens.create("plant-berlin", Role.PARTICIPANT, Duration.ofHours(1),
        Duration.ofDays(1), random).token();
    IssuedIdentity site = enrol(token, "plant-berlin");
    // the JDK's TLS check uses the real time; the coordinator's clock is a day ahead
    clock.advance(Duration.ofDays(1).plusMinutes(1));

    StatusRuntimeException e = assertStatus(Status.Code.UNAUTHENTICATED,
        () -> heartbeat(coordinator.channel(site)));

    assertTrue(e.getStatus().getDescription().startsWith("certificate of 'plant-berlin' (serial "
        + serial(site) + ") expired at " + site.certificate().getNotAfter().toInstant()),
        e.getStatus().getDescription());
  }

  @Test
  void renew_givesASecondValidCertificateWhileTheFirstStillWorks() throws Exception {
    IssuedIdentity first = enrol(token("plant-berlin", Role.PARTICIPANT), "plant-berlin");
    ManagedChannel running = coordinator.channel(first);
    assertTrue(heartbeat(running));

    IssuedIdentity second = renew(running, "plant-berlin", first);

    assertEquals(first.identity(), second.identity());
    assertNotEquals(serial(first), serial(second));
    assertFalse(first.certificate().getPublicKey().equals(second.certificate().getPublicKey()),
        "renewal uses fresh keys");
    assertEquals(lifetime(first), lifetime(second));
    assertTrue(KeyContinuity.descends("plant-berlin",
        KeyContinuity.fingerprint(SigningIdentity.of(first).publicKey()),
        KeyContinuity.of(second.certificate()), SigningIdentity.of(second).publicKey()),
        "the renewed certificate carries the old key's endorsement of the new one");
    assertTrue(heartbeat(running), "the running connection keeps working");
    assertTrue(heartbeat(coordinator.channel(first)), "the old certificate stays valid");
    assertTrue(heartbeat(coordinator.channel(second)));
    assertEquals(List.of("enrol", "renew"), CertificateLog.of(caDir, "plant-berlin").stream()
        .map(CertificateLog.Entry::how).toList());

    RevocationList.revoke(caDir, "plant-berlin", "", clock);
    assertStatus(Status.Code.UNAUTHENTICATED, () -> heartbeat(coordinator.channel(first)));
    assertStatus(Status.Code.UNAUTHENTICATED, () -> heartbeat(coordinator.channel(second)));
  }

  @Test
  void renew_withoutTheCurrentKeysEndorsementOfTheNewOne_isRefused() throws Exception {
    IssuedIdentity first = enrol(token("plant-berlin", Role.PARTICIPANT), "plant-berlin");
    IssuedIdentity other = enrol(token("plant-paris", Role.PARTICIPANT), "plant-paris");

    StatusRuntimeException missing = assertStatus(Status.Code.INVALID_ARGUMENT,
        () -> renew(coordinator.channel(first), "plant-berlin", null));
    StatusRuntimeException forged = assertStatus(Status.Code.INVALID_ARGUMENT,
        () -> renew(coordinator.channel(first), "plant-berlin", other));

    assertTrue(missing.getStatus().getDescription().startsWith("the renewal does not carry the"
        + " endorsement of the new identity signing key"), missing.getStatus().getDescription());
    assertTrue(forged.getStatus().getDescription().startsWith("the endorsement of the new"
        + " identity signing key is not a signature by the key in 'plant-berlin''s current"
        + " certificate"), forged.getStatus().getDescription());
    assertEquals(List.of("enrol"), CertificateLog.of(caDir, "plant-berlin").stream()
        .map(CertificateLog.Entry::how).toList(), "no certificate was issued");
  }

  @Test
  void everyOutcome_isInTheEnrolmentAuditLog_withItsReasonAndKnownRole() throws Exception {
    String token = token("plant-berlin", Role.PARTICIPANT);
    IssuedIdentity site = enrol(token, "plant-berlin");
    assertStatus(Status.Code.UNAUTHENTICATED, () -> enrol(token, "plant-berlin"));
    String second = token("plant-berlin", Role.PARTICIPANT);
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> enrol(second, "plant-paris"));
    renew(coordinator.channel(site), "plant-berlin", site);
    RevocationList.revoke(caDir, "plant-berlin", "", clock);
    assertStatus(Status.Code.PERMISSION_DENIED, () -> enrol(second, "plant-berlin"));
    assertStatus(Status.Code.UNAUTHENTICATED, () -> enrol("not a token", "plant-berlin"));

    List<String> lines = Files.readAllLines(caDir.resolve(EnrolmentAuditLog.FILE));

    assertEquals(List.of(
        "enrol plant-berlin participant enrolled ok",
        "enrol plant-berlin participant refused used_token",
        "enrol plant-berlin participant refused name_mismatch",
        "renew plant-berlin participant renewed ok",
        "enrol plant-berlin participant refused revoked_name",
        "enrol null null refused malformed_token"), lines.stream().map(line -> {
          try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
            return node.get("method").asText() + " " + node.get("site").asText() + " "
                + node.get("role").asText() + " " + node.get("outcome").asText() + " "
                + node.get("reason").asText();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }).toList());
    String file = Files.readString(caDir.resolve(EnrolmentAuditLog.FILE));
    assertFalse(file.contains(token.substring(token.indexOf(':') + 1, token.indexOf(':') + 9)));
    assertFalse(file.contains(second.substring(second.indexOf(':') + 1,
        second.indexOf(':') + 9)));
  }

  @Test
  void anAuditLogThatCannotBeWritten_doesNotStopEnrolment() throws Exception {
    Files.createDirectory(caDir.resolve(EnrolmentAuditLog.FILE));

    IssuedIdentity site = enrol(token("plant-berlin", Role.PARTICIPANT), "plant-berlin");

    assertEquals(new PeerIdentity("plant-berlin", Role.PARTICIPANT), site.identity());
    assertStatus(Status.Code.UNAUTHENTICATED, () -> enrol("plant-berlin:" + "A".repeat(43),
        "plant-berlin"));
  }

  @Test
  void renew_forAnotherName_isDenied() throws Exception {
    IssuedIdentity site = enrol(token("plant-berlin", Role.PARTICIPANT), "plant-berlin");

    StatusRuntimeException e = assertStatus(Status.Code.PERMISSION_DENIED,
        () -> renew(coordinator.channel(site), "plant-paris", site));

    assertEquals("'plant-berlin' may renew only its own certificate; the certificate request"
        + " names 'plant-paris'", e.getStatus().getDescription());
  }

  @Test
  void renew_withoutCertificate_isUnauthenticated() throws Exception {
    StatusRuntimeException e = assertStatus(Status.Code.UNAUTHENTICATED,
        () -> renew(coordinator.anonymousChannel(), "plant-berlin", null));

    assertTrue(e.getStatus().getDescription().startsWith(
        "a client certificate issued by the federation CA is required"),
        e.getStatus().getDescription());
  }

  @Test
  void enrol_onACoordinatorWithoutTheCa_isUnavailable() throws Exception {
    try (TlsLoopback plain = TlsLoopback.start(ca, new AuthenticationInterceptor(),
        EnrolmentService.withoutCa())) {
      EnrolmentKeys keys = EnrolmentKeys.generate("plant-berlin", random);

      StatusRuntimeException e = assertStatus(Status.Code.UNAVAILABLE,
          () -> enrolment(plain.anonymousChannel()).enrol(request("plant-berlin:" + "A".repeat(43),
              keys)));

      assertTrue(e.getStatus().getDescription().startsWith("this coordinator does not run the CA"),
          e.getStatus().getDescription());
    }
  }

  private String token(String site, Role role) throws Exception {
    return tokens.create(site, role, Duration.ofHours(24), Duration.ofDays(7), random).token();
  }

  /** What 'participant enroll' does: keys here, only the request and public key go out. */
  private IssuedIdentity enrol(String token, String name) throws Exception {
    EnrolmentKeys keys = EnrolmentKeys.generate(name, random);
    EnrolResponse answer = enrolment(coordinator.anonymousChannel()).enrol(request(token, keys));
    return keys.accept(answer.getCertificateDer().toByteArray(),
        answer.getCaCertificateDer().toByteArray(), ca.certificate());
  }

  /**
   * What 'participant renew' does; {@code current}'s identity signing key endorses the new key
   * (none when null).
   */
  private IssuedIdentity renew(ManagedChannel authenticated, String name,
      IssuedIdentity current) {
    EnrolmentKeys keys = EnrolmentKeys.generate(name, random);
    RenewRequest.Builder request = RenewRequest.newBuilder()
        .setCsrDer(ByteString.copyFrom(keys.csrDer()))
        .setSigningPublicKeyDer(ByteString.copyFrom(keys.signingPublicKeyDer()));
    if (current != null) {
      request.setSigningKeyEndorsement(ByteString.copyFrom(
          KeyContinuity.endorse(SigningIdentity.of(current), keys.signingPublicKey())));
    }
    EnrolResponse answer = enrolment(authenticated).renew(request.build());
    return keys.accept(answer.getCertificateDer().toByteArray(),
        answer.getCaCertificateDer().toByteArray(), ca.certificate());
  }

  private static EnrolRequest request(String token, EnrolmentKeys keys) {
    return EnrolRequest.newBuilder()
        .setToken(token)
        .setCsrDer(ByteString.copyFrom(keys.csrDer()))
        .setSigningPublicKeyDer(ByteString.copyFrom(keys.signingPublicKeyDer()))
        .build();
  }

  private static EnrolmentGrpc.EnrolmentBlockingStub enrolment(ManagedChannel channel) {
    return EnrolmentGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static boolean heartbeat(ManagedChannel channel) {
    return FleetGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .heartbeat(HeartbeatRequest.getDefaultInstance()).getSessionValid();
  }

  private static void listJobs(ManagedChannel channel) {
    AdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .listJobs(ListJobsRequest.getDefaultInstance());
  }

  private static String serial(IssuedIdentity identity) {
    return CertificateLog.serialHex(identity.certificate().getSerialNumber());
  }

  private static Duration lifetime(IssuedIdentity identity) {
    return Duration.between(identity.certificate().getNotBefore().toInstant(),
        identity.certificate().getNotAfter().toInstant()).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
  }

  private static StatusRuntimeException assertStatus(Status.Code code, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    return e;
  }
}
