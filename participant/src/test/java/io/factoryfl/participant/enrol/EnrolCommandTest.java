package io.factoryfl.participant.enrol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.factoryfl.core.security.CaPin;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.CertificateRequest;
import io.factoryfl.core.security.EnrolmentTokens;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.KeyContinuity;
import io.factoryfl.core.security.Pem;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.core.security.TokenRefusedException;
import io.factoryfl.proto.v1.EnrolRequest;
import io.factoryfl.proto.v1.EnrolResponse;
import io.factoryfl.proto.v1.EnrolmentGrpc;
import io.factoryfl.proto.v1.RenewRequest;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code participant enroll} and {@code renew} against a stand-in Enrolment service on a real
 * loopback TLS socket (the real service lives in the coordinator module and has its own
 * end-to-end test).
 */
class EnrolCommandTest {

  private static final Context.Key<X509Certificate> CALLER = Context.key("caller-certificate");

  @TempDir Path tmp;
  private final SecureRandom random = new SecureRandom();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private CertificateAuthority ca;
  private Path caDir;
  private EnrolmentTokens tokens;
  private Server server;
  private String target;

  @BeforeEach
  void start() throws Exception {
    caDir = tmp.resolve("ca");
    ca = CertificateAuthority.create("acme", Clock.systemUTC(), Duration.ofDays(30), random);
    ca.save(caDir);
    tokens = new EnrolmentTokens(caDir, Clock.systemUTC());
    TlsMaterial tls = TlsMaterial.of(
        ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1), List.of("localhost")));
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .sslContext(GrpcSslContexts.configure(SslContextBuilder.forServer(tls.keyManagerFactory()))
            .trustManager(tls.trustManagerFactory())
            .clientAuth(ClientAuth.OPTIONAL)
            .protocols("TLSv1.3")
            .build())
        .addService(ServerInterceptors.intercept(new StandInEnrolment(), new RememberCaller()))
        .build()
        .start();
    target = "localhost:" + server.getPort();
  }

  @AfterEach
  void stop() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void enroll_writesSiteFilesThatServeForMutualTlsAndSigning() throws Exception {
    Path site = tmp.resolve("plant-berlin");

    assertEquals(0, enroll(token("plant-berlin", Role.PARTICIPANT), site), err());

    TlsMaterial tls = TlsMaterial.load(site.resolve("site.pem"), site.resolve("site-key.pem"),
        site.resolve("ca.pem"));
    assertEquals(new PeerIdentity("plant-berlin", Role.PARTICIPANT), tls.self());
    assertEquals("plant-berlin",
        SigningIdentity.load(site.resolve("site.pem"), site.resolve("site-signing-key.pem"))
            .name());
    for (String secret : List.of("site-key.pem", "site-signing-key.pem")) {
      assertEquals("rw-------", PosixFilePermissions.toString(
          Files.getPosixFilePermissions(site.resolve(secret))), secret);
    }
    assertTrue(out().startsWith("enrolled as participant 'plant-berlin' (certificate serial "),
        out());
  }

  @Test
  void enroll_adminToken_writesAdminFiles() throws Exception {
    Path dir = tmp.resolve("alice");

    assertEquals(0, enroll(token("alice", Role.ADMIN), dir), err());

    assertEquals(new PeerIdentity("alice", Role.ADMIN), TlsMaterial.load(dir.resolve("admin.pem"),
        dir.resolve("admin-key.pem"), dir.resolve("ca.pem")).self());
    assertFalse(Files.exists(dir.resolve("site.pem")));
  }

  @Test
  void enroll_tokenUsedTwice_exits1WithTheCoordinatorsReason() throws Exception {
    String token = token("plant-berlin", Role.PARTICIPANT);
    assertEquals(0, enroll(token, tmp.resolve("first")), err());

    assertEquals(1, enroll(token, tmp.resolve("second")));

    assertTrue(err().startsWith("participant enroll: CA service answered UNAUTHENTICATED:"
        + " enrolment token for site 'plant-berlin' was already used at "), err());
    assertFalse(Files.exists(tmp.resolve("second/site.pem")));
  }

  @Test
  void enroll_intoADirectoryThatHoldsAnIdentity_isRefusedBeforeTheTokenIsSpent()
      throws Exception {
    assertEquals(0, enroll(token("plant-berlin", Role.PARTICIPANT), tmp.resolve("site")), err());
    String second = token("plant-berlin", Role.PARTICIPANT);

    assertEquals(2, enroll(second, tmp.resolve("site")));

    assertTrue(err().startsWith("participant enroll: invalid --out '" + tmp.resolve("site")
        + "': it already holds an identity"), err());
    assertFalse(tokens.list().get(1).used());
  }

  @Test
  void enroll_trustingAnotherCa_failsWithoutSpendingTheToken() throws Exception {
    Path otherCa = tmp.resolve("other-ca.pem");
    Pem.writeCertificate(otherCa, CertificateAuthority.create("elsewhere", Clock.systemUTC(),
        Duration.ofDays(2), random).certificate());
    String token = token("plant-berlin", Role.PARTICIPANT);

    assertEquals(1, run("--token", token, "--coordinator", target, "--ca", otherCa.toString(),
        "--out", tmp.resolve("site").toString()));

    assertTrue(err().startsWith("participant enroll: cannot connect to the coordinator at "
        + target + " over TLS: the coordinator's certificate 'coordinator' (coordinator,"
        + " serial "), err());
    assertTrue(err().contains(" was issued by CN=acme CA,O=acme, but the CA this node trusts"
        + " is CN=elsewhere CA,O=elsewhere; this is not your federation's coordinator, or this"
        + " node's ca.pem (--ca) is from another federation"), err());
    assertFalse(tokens.list().get(0).used(), "the token never reached an untrusted server");
  }

  @Test
  void enroll_badArguments_exit2NamingTheFlag() throws Exception {
    String token = token("plant-berlin", Role.PARTICIPANT);

    assertEquals(2, run("--token", token, "--coordinator", target, "--ca",
        caDir.resolve("ca.pem").toString(), "--out", tmp.resolve("s").toString(),
        "--name", "plant-paris"));
    assertTrue(err().startsWith("participant enroll: invalid --name 'plant-paris': the token is"
        + " for 'plant-berlin'; leave out --name"), err());

    assertEquals(2, run("--token", "nonsense", "--coordinator", target, "--ca",
        caDir.resolve("ca.pem").toString(), "--out", tmp.resolve("s").toString()));
    assertTrue(err().startsWith("participant enroll: invalid --token: this is not an enrolment"
        + " token"), err());

    assertEquals(2, run("--token", token, "--coordinator", target, "--ca",
        tmp.resolve("missing.pem").toString(), "--out", tmp.resolve("s").toString()));
    assertTrue(err().startsWith("participant enroll: invalid --ca '" + tmp.resolve("missing.pem")
        + "': "), err());
  }

  @Test
  void renew_replacesTheFilesWithAFreshCertificateOfTheSameIdentity() throws Exception {
    Path site = tmp.resolve("site");
    assertEquals(0, enroll(token("plant-berlin", Role.PARTICIPANT), site), err());
    X509Certificate before = Pem.readCertificate(site.resolve("site.pem"));
    String keyBefore = Files.readString(site.resolve("site-key.pem"));
    java.security.PublicKey signingBefore = SigningIdentity.load(site.resolve("site.pem"),
        site.resolve("site-signing-key.pem")).publicKey();

    assertEquals(0, EnrolCommand.renew(new String[] {"--ca-service", target, "--dir",
        site.toString()}, print(out), print(err), random), err());

    TlsMaterial after = TlsMaterial.load(site.resolve("site.pem"), site.resolve("site-key.pem"),
        site.resolve("ca.pem"));
    assertEquals(new PeerIdentity("plant-berlin", Role.PARTICIPANT), after.self());
    assertNotEquals(before.getSerialNumber(), after.certificateChain().get(0).getSerialNumber());
    assertNotEquals(keyBefore, Files.readString(site.resolve("site-key.pem")));
    assertTrue(out().contains("The previous certificate (serial "
        + before.getSerialNumber().toString(16) + ") stays valid until "), out());
    SigningIdentity renewed = SigningIdentity.load(site.resolve("site.pem"),
        site.resolve("site-signing-key.pem"));
    assertTrue(KeyContinuity.descends("plant-berlin", KeyContinuity.fingerprint(signingBefore),
        KeyContinuity.of(after.certificateChain().get(0)), renewed.publicKey()),
        "the old identity key endorsed the new one, so peers' pins follow it");
  }

  @Test
  void renew_withAnExpiredCertificate_saysWhenItExpiredAndToEnrolAgain() throws Exception {
    CertificateAuthority past = CertificateAuthority.create("acme",
        Clock.fixed(java.time.Instant.now().minus(Duration.ofDays(10)), java.time.ZoneOffset.UTC),
        Duration.ofDays(30), random);
    Path site = tmp.resolve("site");
    IssuedIdentity expired = past.issue("plant-berlin", Role.PARTICIPANT, Duration.ofDays(1),
        List.of());
    expired.writeTo(site, "site");

    assertEquals(1, EnrolCommand.renew(new String[] {"--coordinator", target, "--dir",
        site.toString()}, print(out), print(err), random));

    assertTrue(err().startsWith("participant renew: failed: this node's certificate"
        + " 'plant-berlin' (participant, serial " + expired.certificate().getSerialNumber()
        .toString(16)), err());
    assertTrue(err().contains(") expired at " + expired.certificate().getNotAfter().toInstant()
        + " (now "), err());
    assertTrue(err().contains("an expired one cannot be renewed: ask the CA operator for a new"
        + " token ('./factoryfl ca token --dir ca --site NAME --role participant') and enrol"
        + " again"), err());
  }

  @Test
  void enroll_withTheTokenAlone_trustsTheCoordinatorByTheCaFingerprintItCarries() throws Exception {
    Path site = tmp.resolve("plant-pinned");
    String pinned = CaPin.attach(token("plant-pinned", Role.PARTICIPANT), ca.certificate());

    assertEquals(0, run("--token", pinned, "--coordinator", target, "--out", site.toString()), err());

    TlsMaterial tls = TlsMaterial.load(site.resolve("site.pem"), site.resolve("site-key.pem"),
        site.resolve("ca.pem"));
    assertEquals(new PeerIdentity("plant-pinned", Role.PARTICIPANT), tls.self());
    assertEquals(ca.certificate(), tls.trustedCertificates().get(0), "ca.pem is the pinned CA");
  }

  @Test
  void enroll_tokenPinningAnotherCa_refusesTheCoordinatorWithoutSpendingTheToken() throws Exception {
    X509Certificate elsewhere =
        CertificateAuthority.create("elsewhere", Clock.systemUTC(), Duration.ofDays(2), random).certificate();
    String pinnedElsewhere = CaPin.attach(token("plant-berlin", Role.PARTICIPANT), elsewhere);

    assertEquals(1, run("--token", pinnedElsewhere, "--coordinator", target,
        "--out", tmp.resolve("site").toString()));

    assertTrue(err().contains("holds no CA with the token's fingerprint " + CaPin.of(elsewhere)), err());
    assertFalse(tokens.list().get(0).used(), "the token never reached an untrusted server");
  }

  @Test
  void enroll_tokenWithoutFingerprintAndNoCa_asksForTheCaFile() throws Exception {
    assertEquals(2, run("--token", token("plant-berlin", Role.PARTICIPANT), "--coordinator", target,
        "--out", tmp.resolve("site").toString()));
    assertTrue(err().contains("missing --ca: this token carries no CA fingerprint"), err());
  }

  private int enroll(String token, Path dir) {
    return run("--token", token, "--coordinator", target, "--ca",
        caDir.resolve("ca.pem").toString(), "--out", dir.toString());
  }

  private int run(String... args) {
    out.reset();
    err.reset();
    return EnrolCommand.enroll(args, print(out), print(err), random);
  }

  private String token(String site, Role role) throws Exception {
    return tokens.create(site, role, Duration.ofHours(1), Duration.ofDays(7), random).token();
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private static PrintStream print(ByteArrayOutputStream bytes) {
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }

  /** The CA side reduced to what the command relies on: redeem, sign, answer. */
  private final class StandInEnrolment extends EnrolmentGrpc.EnrolmentImplBase {
    @Override
    public void enrol(EnrolRequest request, StreamObserver<EnrolResponse> response) {
      try {
        CertificateRequest csr = CertificateRequest.parse(request.getCsrDer().toByteArray(),
            request.getSigningPublicKeyDer().toByteArray());
        X509Certificate cert = tokens.redeem(request.getToken(),
            token -> ca.sign(csr, token.role(), token.certificateValidity()));
        answer(cert, response);
      } catch (TokenRefusedException e) {
        response.onError(Status.UNAUTHENTICATED.withDescription(e.getMessage())
            .asRuntimeException());
      } catch (Exception e) {
        response.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
      }
    }

    @Override
    public void renew(RenewRequest request, StreamObserver<EnrolResponse> response) {
      try {
        X509Certificate current = CALLER.get();
        CertificateRequest csr = CertificateRequest.parse(request.getCsrDer().toByteArray(),
            request.getSigningPublicKeyDer().toByteArray());
        answer(ca.sign(csr, PeerIdentity.fromCertificate(current).role(), Duration.ofDays(7),
            KeyContinuity.extend(current, csr.signingKey(),
                request.getSigningKeyEndorsement().toByteArray())), response);
      } catch (Exception e) {
        response.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
      }
    }

    private void answer(X509Certificate cert, StreamObserver<EnrolResponse> response)
        throws Exception {
      response.onNext(EnrolResponse.newBuilder()
          .setCertificateDer(ByteString.copyFrom(cert.getEncoded()))
          .setCaCertificateDer(ByteString.copyFrom(ca.certificate().getEncoded()))
          .build());
      response.onCompleted();
    }
  }

  /** Hands the client certificate, if any, to the stand-in service. */
  private static final class RememberCaller implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      X509Certificate cert = null;
      try {
        var session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session != null) {
          cert = (X509Certificate) session.getPeerCertificates()[0];
        }
      } catch (SSLPeerUnverifiedException e) {
        // anonymous enrolment
      }
      return Contexts.interceptCall(Context.current().withValue(CALLER, cert), call, headers,
          next);
    }
  }
}
