package io.factoryfl.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/** Certificate errors name the cause, the time or issuer involved, and what to do. */
class CertificateProblemsTest {

  private static final Instant NOW = Instant.now();
  // a CA made ten days ago, so that it can hand out certificates that have already expired
  private final MutableClock clock = new MutableClock(NOW.minus(Duration.ofDays(10)));
  private final CertificateAuthority ca = CertificateAuthority.create("acme", clock,
      Duration.ofDays(30), new SecureRandom());
  private final CertificateAuthority other = TestCa.create("elsewhere");

  @Test
  void ownExpiredCertificate_namesTheTimeAndHowToGetANewOne() {
    IssuedIdentity site = ca.issue("plant-berlin", Role.PARTICIPANT, Duration.ofDays(1),
        List.of());
    Instant expiry = site.certificate().getNotAfter().toInstant();

    String problem = TlsMaterial.of(site).problemAt(NOW).orElseThrow();

    assertEquals("this node's certificate 'plant-berlin' (participant, serial " + serial(site)
        + ") expired at " + expiry + " (now " + NOW + "); renew certificates before they expire"
        + " ('./factoryfl participant renew --coordinator HOST:PORT --dir DIR'); an expired one"
        + " cannot be renewed: ask the CA operator for a new token ('./factoryfl ca token --dir"
        + " ca --site NAME --role participant') and enrol again ('./factoryfl participant enroll"
        + " --token TOKEN --coordinator HOST:PORT --out DIR')", problem);
  }

  @Test
  void ownCoordinatorCertificateExpired_saysToIssueANewOne() {
    IssuedIdentity coordinator = ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1),
        List.of("localhost"));

    String problem = TlsMaterial.of(coordinator).problemAt(NOW).orElseThrow();

    assertTrue(problem.endsWith("issue the coordinator a new one ('./factoryfl ca issue --dir ca"
        + " --name NAME --role coordinator --dns HOST --out DIR')"), problem);
  }

  @Test
  void ownCertificateNotYetValid_saysToCheckTheClock() {
    IssuedIdentity site = ca.issue("plant-berlin", Role.ADMIN, Duration.ofDays(20), List.of());
    Instant early = NOW.minus(Duration.ofDays(11));

    String problem = TlsMaterial.of(site).problemAt(early).orElseThrow();

    assertEquals("this node's certificate 'plant-berlin' (admin, serial " + serial(site)
        + ") is not valid before " + site.certificate().getNotBefore().toInstant() + " (now "
        + early + "); check the clock of this machine and of the CA", problem);
  }

  @Test
  void ownCurrentCertificate_hasNoProblem() {
    IssuedIdentity site = ca.issue("plant-berlin", Role.PARTICIPANT, Duration.ofDays(20),
        List.of());

    assertEquals(Optional.empty(), TlsMaterial.of(site).problemAt(NOW));
  }

  @Test
  void trustManager_refusingAnExpiredCoordinator_namesItsExpiry() {
    IssuedIdentity coordinator = ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1),
        List.of("localhost"));
    TlsMaterial site = TlsMaterial.of(ca.issue("plant-berlin", Role.PARTICIPANT,
        Duration.ofDays(20), List.of()));

    CertificateException e = assertThrows(CertificateException.class,
        () -> trustManager(site).checkServerTrusted(chain(coordinator), "ECDHE_ECDSA"));

    assertInstanceOf(ExplainedCertificateException.class, e);
    assertTrue(e.getMessage().startsWith("the coordinator's certificate 'coordinator'"
        + " (coordinator, serial " + serial(coordinator) + ") expired at "
        + coordinator.certificate().getNotAfter().toInstant()), e.getMessage());
    assertInstanceOf(java.security.cert.CertPathValidatorException.class, e.getCause(),
        "the JDK picks the certificate_expired alert from the direct cause");
  }

  @Test
  void trustManager_refusingACoordinatorOfAnotherCa_namesBothCas() {
    IssuedIdentity impostor = other.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1),
        List.of("localhost"));
    TlsMaterial site = TlsMaterial.of(ca.issue("plant-berlin", Role.PARTICIPANT,
        Duration.ofDays(20), List.of()));

    CertificateException e = assertThrows(CertificateException.class,
        () -> trustManager(site).checkServerTrusted(chain(impostor), "ECDHE_ECDSA"));

    assertTrue(e.getMessage().contains(" was issued by CN=elsewhere CA,O=elsewhere, but the CA"
        + " this node trusts is CN=acme CA,O=acme; this is not your federation's coordinator"),
        e.getMessage());
  }

  @Test
  void trustManager_refusingAClientOfAnotherCa_namesBothCas() {
    IssuedIdentity intruder = other.issue("plant-berlin", Role.PARTICIPANT, Duration.ofDays(1),
        List.of());
    TlsMaterial coordinator = TlsMaterial.of(ca.issue("coordinator", Role.COORDINATOR,
        Duration.ofDays(20), List.of("localhost")));

    CertificateException e = assertThrows(CertificateException.class,
        () -> trustManager(coordinator).checkClientTrusted(chain(intruder), "ECDHE_ECDSA"));

    assertTrue(e.getMessage().startsWith("the client certificate 'plant-berlin' (participant,"
        + " serial " + serial(intruder) + ") was issued by CN=elsewhere CA,O=elsewhere, but this"
        + " federation's CA is CN=acme CA,O=acme; enrol again with a token from this"
        + " federation"), e.getMessage());
  }

  @Test
  void tlsFailures_describeTheAlertsACoordinatorSendsAboutOurCertificate() {
    Exception expired = new javax.net.ssl.SSLException("error:10000415:SSL routines:"
        + "OPENSSL_internal:SSLV3_ALERT_CERTIFICATE_EXPIRED");
    Exception unknown = new RuntimeException("decoder", new javax.net.ssl.SSLHandshakeException(
        "Received fatal alert: certificate_unknown"));

    assertTrue(TlsFailures.describe(expired, "coord:7443").orElseThrow().startsWith(
        "the coordinator at coord:7443 refused this node's certificate in the TLS handshake as"
        + " expired (by the coordinator's clock)"));
    assertTrue(TlsFailures.describe(unknown, "coord:7443").orElseThrow().startsWith(
        "the coordinator at coord:7443 refused this node's certificate in the TLS handshake"
        + " (alert certificate_unknown): it is not yet valid or expired by the coordinator's"
        + " clock, or was not issued by the CA the coordinator trusts"));
    assertEquals(Optional.empty(), TlsFailures.describe(new IllegalStateException("x"), "c:1"));
  }

  private static X509TrustManager trustManager(TlsMaterial tls) {
    return (X509TrustManager) tls.trustManagerFactory().getTrustManagers()[0];
  }

  private static X509Certificate[] chain(IssuedIdentity identity) {
    return new X509Certificate[] {identity.certificate(), identity.caCertificate()};
  }

  private static String serial(IssuedIdentity identity) {
    return CertificateLog.serialHex(identity.certificate().getSerialNumber());
  }
}
