package io.factoryfl.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.security.EnrolmentToken;
import io.factoryfl.core.security.EnrolmentTokens;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.RevocationList;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaCommandTest {

  @TempDir Path tmp;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    out.reset();
    err.reset();
    return CaCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void initThenIssue_writesFilesThatTlsMaterialLoads() throws Exception {
    Path ca = tmp.resolve("ca");
    Path site = tmp.resolve("plant-3");
    assertEquals(0, run("init", "--dir", ca.toString(), "--name", "acme", "--days", "30"), err());
    assertEquals(0, run("issue", "--dir", ca.toString(), "--name", "plant-3",
        "--role", "participant", "--out", site.toString(), "--days", "7"), err());

    TlsMaterial tls = TlsMaterial.load(site.resolve("plant-3.pem"),
        site.resolve("plant-3-key.pem"), site.resolve("ca.pem"));
    assertEquals(new PeerIdentity("plant-3", Role.PARTICIPANT), tls.self());
    assertTrue(tls.certificateChain().get(0).getSubjectX500Principal().getName()
        .contains("O=acme"));
    assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(site.resolve("plant-3-key.pem"))));
    assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(ca.resolve("ca-key.pem"))));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("plant-3-key.pem"));
  }

  @Test
  void issue_writesOwnerOnlySigningKeyBoundToTheCertificate() throws Exception {
    Path ca = tmp.resolve("ca");
    Path site = tmp.resolve("plant-3");
    run("init", "--dir", ca.toString());
    assertEquals(0, run("issue", "--dir", ca.toString(), "--name", "plant-3",
        "--role", "participant", "--out", site.toString()), err());

    Path signingKey = site.resolve("plant-3-signing-key.pem");
    assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(signingKey)));
    SigningIdentity identity = SigningIdentity.load(site.resolve("plant-3.pem"), signingKey);
    assertEquals("plant-3", identity.name());
    assertTrue(out.toString(StandardCharsets.UTF_8).contains(
        signingKey + "  (identity signing key, secret, mode 0600)"), out.toString());
  }

  @Test
  void issue_withDns_putsHostNamesInTheCertificate() throws Exception {
    Path ca = tmp.resolve("ca");
    run("init", "--dir", ca.toString());
    assertEquals(0, run("issue", "--dir=" + ca, "--name=coordinator", "--role=coordinator",
        "--out=" + tmp.resolve("srv"), "--dns=fl.example.com, localhost"), err());

    X509Certificate cert = TlsMaterial.load(tmp.resolve("srv/coordinator.pem"),
        tmp.resolve("srv/coordinator-key.pem"), tmp.resolve("srv/ca.pem"))
        .certificateChain().get(0);
    assertEquals(3, cert.getSubjectAlternativeNames().size());
  }

  @Test
  void issue_unknownRole_exits2NamingTheRole() {
    Path ca = tmp.resolve("ca");
    run("init", "--dir", ca.toString());

    int code = run("issue", "--dir", ca.toString(), "--name", "x", "--role", "superuser",
        "--out", tmp.resolve("x").toString());

    assertEquals(2, code);
    assertTrue(err().startsWith("ca issue: invalid --role: unknown role 'superuser'; expected"
        + " one of participant, admin, auditor, coordinator"), err());
    assertFalse(err().contains("Exception"), err());
    assertFalse(Files.exists(tmp.resolve("x")));
  }

  @Test
  void init_refusesToOverwriteAnExistingCa() throws Exception {
    Path ca = tmp.resolve("ca");
    run("init", "--dir", ca.toString());
    String before = Files.readString(ca.resolve("ca-key.pem"));

    assertEquals(1, run("init", "--dir", ca.toString()));

    assertTrue(err().contains("already exists; refusing to overwrite"), err());
    assertEquals(before, Files.readString(ca.resolve("ca-key.pem")));
  }

  @Test
  void badArguments_exit2NamingFlagAndValue() {
    Path ca = tmp.resolve("ca");
    run("init", "--dir", ca.toString());
    String dir = ca.toString();

    assertEquals(2, run("init", "--dir", tmp.resolve("b").toString(), "--days", "ten"));
    assertTrue(err().startsWith("ca init: invalid --days 'ten': expected a whole number"), err());

    assertEquals(2, run("issue", "--dir", dir, "--name", "a b", "--role", "admin", "--out", dir));
    assertTrue(err().startsWith("ca issue: invalid --name: name 'a b' is not allowed"), err());

    assertEquals(2, run("issue", "--dir", dir, "--role", "admin", "--out", dir));
    assertTrue(err().startsWith("ca issue: missing --name"), err());

    assertEquals(2, run("issue", "--dir", tmp.resolve("none").toString(), "--name", "a",
        "--role", "admin", "--out", dir));
    assertTrue(err().startsWith("ca issue: invalid --dir '" + tmp.resolve("none") + "': "),
        err());

    assertEquals(2, run("issue", "--dir", dir, "--name", "a", "--role", "admin", "--out", dir,
        "--days", "5000"));
    assertTrue(err().startsWith("ca issue: invalid --days 5000: the certificate would outlive"),
        err());

    assertEquals(2, run("issue", "--dir", dir, "--name", "a", "--role", "admin", "--out", dir,
        "--dns", "bad_host"));
    assertTrue(err().startsWith("ca issue: invalid --dns 'bad_host': "), err());

    assertEquals(2, run("init", "--dir", dir, "--colour", "red"));
    assertTrue(err().startsWith("ca init: unknown option '--colour'"), err());

    assertEquals(2, run("rotate"));
    assertTrue(err().startsWith("ca: unknown command 'rotate'; expected init, issue, token,"
        + " revoke, serve or revocation-list"), err());
  }

  @Test
  void help_printsUsageAndExits0() {
    assertEquals(0, run("issue", "--help"));
    assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Usage: ca issue --dir DIR"));
    assertEquals(0, run("init", "--help"));
    assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Usage: ca init --dir DIR"));
  }

  @Test
  void token_printsTheTokenOnceAndStoresOnlyItsHash() throws Exception {
    Path ca = tmp.resolve("ca");
    run("init", "--dir", ca.toString());

    assertEquals(0, run("token", "--dir", ca.toString(), "--site", "plant-berlin",
        "--role", "participant", "--ttl", "2h", "--days", "30"), err());

    String token = out.toString(StandardCharsets.UTF_8).strip();
    assertTrue(token.matches("plant-berlin:[A-Za-z0-9_-]{43}@sha256:[0-9a-f]{64}"), token);
    String stored = Files.readString(ca.resolve("tokens.json"));
    assertFalse(stored.contains(token.substring(token.indexOf(':') + 1, token.indexOf('@'))), stored);
    assertFalse(err().contains(token), "the token is printed once, on standard output");
    assertTrue(err().contains("enrolment token for participant 'plant-berlin' (use once, until"),
        err());
    EnrolmentToken record = new EnrolmentTokens(ca, Clock.systemUTC()).list().get(0);
    assertEquals(Duration.ofHours(2), Duration.between(record.created(), record.expires()));
    assertEquals(Duration.ofDays(30), record.certificateValidity());
  }

  @Test
  void token_badArguments_exit2NamingFlagAndValue() {
    Path ca = tmp.resolve("ca");
    run("init", "--dir", ca.toString());
    String dir = ca.toString();

    assertEquals(2, run("token", "--dir", dir, "--site", "s", "--role", "coordinator"));
    assertTrue(err().startsWith("ca token: invalid --role coordinator: a coordinator certificate"
        + " needs host names"), err());
    assertEquals(2, run("token", "--dir", dir, "--site", "s", "--role", "admin", "--ttl", "soon"));
    assertTrue(err().startsWith("ca token: invalid --ttl 'soon': expected a positive duration"
        + " such as 30m, 24h or 7d"), err());
    assertEquals(2, run("token", "--dir", dir, "--site", "s", "--role", "admin", "--ttl", "31d"));
    assertTrue(err().startsWith("ca token: invalid --ttl '31d': at most 30d"), err());
    assertEquals(2, run("token", "--dir", dir, "--site", "a b", "--role", "admin"));
    assertTrue(err().startsWith("ca token: invalid --site: name 'a b' is not allowed"), err());
    assertFalse(Files.exists(ca.resolve("tokens.json")));
  }

  @Test
  void revoke_recordsTheNameAndTheSerialsOfItsIssuedCertificates() throws Exception {
    Path ca = tmp.resolve("ca");
    run("init", "--dir", ca.toString());
    run("issue", "--dir", ca.toString(), "--name", "plant-3", "--role", "participant",
        "--out", tmp.resolve("p3").toString());
    X509Certificate cert = TlsMaterial.load(tmp.resolve("p3/plant-3.pem"),
        tmp.resolve("p3/plant-3-key.pem"), tmp.resolve("p3/ca.pem")).certificateChain().get(0);

    assertEquals(0, run("revoke", "--dir", ca.toString(), "plant-3", "--reason", "stolen"),
        err());

    RevocationList list = RevocationList.load(ca.resolve("revoked.json"));
    assertTrue(list.isRevoked("plant-3"));
    assertTrue(list.isRevoked(cert.getSerialNumber()));
    assertEquals("stolen", list.find(cert).get().reason());
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("serials "
        + cert.getSerialNumber().toString(16)), out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void revokedName_getsNoNewTokenOrCertificate() {
    Path ca = tmp.resolve("ca");
    run("init", "--dir", ca.toString());
    assertEquals(0, run("revoke", "--dir", ca.toString(), "plant-3"), err());

    assertEquals(2, run("token", "--dir", ca.toString(), "--site", "plant-3",
        "--role", "participant"));
    assertTrue(err().startsWith("ca token: 'plant-3' was revoked at "), err());
    assertEquals(2, run("issue", "--dir", ca.toString(), "--name", "plant-3",
        "--role", "participant", "--out", tmp.resolve("p3").toString()));
    assertTrue(err().startsWith("ca issue: 'plant-3' was revoked at "), err());
  }

  @Test
  void revoke_withoutName_exits2() {
    Path ca = tmp.resolve("ca");
    run("init", "--dir", ca.toString());

    assertEquals(2, run("revoke", "--dir", ca.toString()));
    assertTrue(err().startsWith("ca revoke: missing NAME, the identity to revoke"), err());
    assertEquals(2, run("revoke", "--dir", tmp.resolve("none").toString(), "x"));
    assertTrue(err().startsWith("ca revoke: invalid --dir"), err());
  }
}
