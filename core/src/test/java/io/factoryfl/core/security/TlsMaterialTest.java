package io.factoryfl.core.security;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsMaterialTest {

  private static final CertificateAuthority CA = TestCa.create("ours");
  private static final CertificateAuthority OTHER_CA = TestCa.create("theirs");

  private static X509TrustManager trustManager(TlsMaterial tls) {
    return (X509TrustManager) tls.trustManagerFactory().getTrustManagers()[0];
  }

  private static IssuedIdentity issue(CertificateAuthority ca, String name, Role role) {
    return ca.issue(name, role, Duration.ofDays(1), List.of());
  }

  @Test
  void trustManager_acceptsPeerFromFederationCa() {
    TlsMaterial coordinator = TlsMaterial.of(issue(CA, "coordinator", Role.COORDINATOR));
    X509Certificate[] site = {issue(CA, "site-1", Role.PARTICIPANT).certificate()};
    assertDoesNotThrow(() -> trustManager(coordinator).checkClientTrusted(site, "ECDHE_ECDSA"));
  }

  @Test
  void trustManager_rejectsPeerFromAnotherCa() {
    TlsMaterial coordinator = TlsMaterial.of(issue(CA, "coordinator", Role.COORDINATOR));
    TlsMaterial intruder = TlsMaterial.of(issue(OTHER_CA, "site-1", Role.PARTICIPANT));
    X509Certificate[] chain = intruder.certificateChain().toArray(X509Certificate[]::new);

    assertThrows(CertificateException.class,
        () -> trustManager(coordinator).checkClientTrusted(chain, "ECDHE_ECDSA"));
    assertThrows(CertificateException.class,
        () -> trustManager(coordinator).checkServerTrusted(chain, "ECDHE_ECDSA"));
  }

  @Test
  void trustManager_trustsOnlyTheFederationCa() {
    TlsMaterial site = TlsMaterial.of(issue(CA, "site-1", Role.PARTICIPANT));
    assertEquals(List.of(CA.certificate()),
        List.of(trustManager(site).getAcceptedIssuers()));
  }

  @Test
  void keyManager_presentsOurCertificate() {
    TlsMaterial site = TlsMaterial.of(issue(CA, "site-1", Role.PARTICIPANT));
    var keyManager = (javax.net.ssl.X509KeyManager) site.keyManagerFactory().getKeyManagers()[0];
    String alias = keyManager.chooseClientAlias(new String[] {"EC"}, null, null);
    assertEquals(site.certificateChain().get(0), keyManager.getCertificateChain(alias)[0]);
  }

  @Test
  void self_isTheSubjectOfOurCertificate() {
    TlsMaterial admin = TlsMaterial.of(issue(CA, "alice", Role.ADMIN));
    assertEquals(new PeerIdentity("alice", Role.ADMIN), admin.self());
  }

  @Test
  void load_acceptsFilesWrittenByIssuedIdentity(@TempDir Path dir) throws IOException {
    IssuedIdentity site = issue(CA, "site-1", Role.PARTICIPANT);
    site.writeTo(dir, "site-1");
    TlsMaterial tls = TlsMaterial.load(
        dir.resolve("site-1.pem"), dir.resolve("site-1-key.pem"), dir.resolve("ca.pem"));
    assertEquals(new PeerIdentity("site-1", Role.PARTICIPANT), tls.self());
    assertEquals(List.of(CA.certificate()), tls.trustedCertificates());
  }

  @Test
  void load_refusesKeyOfAnotherCertificate(@TempDir Path dir) throws IOException {
    issue(CA, "site-1", Role.PARTICIPANT).writeTo(dir, "site-1");
    issue(CA, "site-2", Role.PARTICIPANT).writeTo(dir, "site-2");
    IOException e = assertThrows(IOException.class, () -> TlsMaterial.load(
        dir.resolve("site-1.pem"), dir.resolve("site-2-key.pem"), dir.resolve("ca.pem")));
    assertTrue(e.getMessage().contains("site-2-key.pem"), e.getMessage());
    assertTrue(e.getMessage().contains("private key does not match"), e.getMessage());
  }

  @Test
  void load_refusesCertificateFromAnUntrustedCa(@TempDir Path dir) throws IOException {
    issue(OTHER_CA, "site-1", Role.PARTICIPANT).writeTo(dir.resolve("a"), "site-1");
    issue(CA, "site-2", Role.PARTICIPANT).writeTo(dir.resolve("b"), "site-2");
    IOException e = assertThrows(IOException.class, () -> TlsMaterial.load(
        dir.resolve("a/site-1.pem"), dir.resolve("a/site-1-key.pem"), dir.resolve("b/ca.pem")));
    assertTrue(e.getMessage().contains("this node's certificate 'site-1' (participant, serial "),
        e.getMessage());
    assertTrue(e.getMessage().endsWith(" was issued by CN=theirs CA,O=theirs, but this"
        + " federation's CA is CN=ours CA,O=ours; enrol again with a token from this federation,"
        + " or give the ca.pem of the federation that issued it"), e.getMessage());
  }

  @Test
  void toString_neverShowsTheKey() {
    TlsMaterial tls = TlsMaterial.of(issue(CA, "site-1", Role.PARTICIPANT));
    assertTrue(tls.toString().startsWith("TlsMaterial[self=PeerIdentity[name=site-1"),
        tls.toString());
  }
}
