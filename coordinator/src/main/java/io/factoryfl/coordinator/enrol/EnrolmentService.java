package io.factoryfl.coordinator.enrol;

import io.factoryfl.coordinator.server.Peers;
import com.google.protobuf.ByteString;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.CertificateLog;
import io.factoryfl.core.security.CertificateRequest;
import io.factoryfl.core.security.EnrolmentToken;
import io.factoryfl.core.security.EnrolmentTokens;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.RevocationList;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.TokenRefusedException;
import io.factoryfl.proto.v1.EnrolRequest;
import io.factoryfl.proto.v1.EnrolResponse;
import io.factoryfl.proto.v1.EnrolmentGrpc;
import io.factoryfl.proto.v1.RenewRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Enrolment service: turns a one-time token and a certificate request made at the site into
 * a certificate from the federation CA ({@code Enrol}), and gives an authenticated node a fresh
 * certificate of its role before its current one expires ({@code Renew}).
 *
 * <p>The CA directory ({@code factoryfl coordinator --ca-dir DIR}) holds the CA key, the token
 * store ({@link EnrolmentTokens}), the certificate log ({@link CertificateLog}) and the
 * revocation list ({@link RevocationList}); {@code factoryfl ca token} and {@code ca revoke} may
 * update it while the coordinator runs. A coordinator without a CA directory answers both
 * methods with {@code UNAVAILABLE}.
 *
 * <p>Register it behind {@code AuthenticationInterceptor} like every other service: the
 * interceptor lets {@code Enrol} through without a client certificate and requires an
 * unrevoked one for {@code Renew}.
 */
public final class EnrolmentService extends EnrolmentGrpc.EnrolmentImplBase {

  static final String NO_CA = "this coordinator does not run the CA (it was started without"
      + " --ca-dir); enrol through the coordinator that does, or ask the CA operator to issue"
      + " the certificate with 'factoryfl ca issue'";
  /** Kept off the end of a certificate's validity so it never outlives the CA certificate. */
  private static final Duration CA_EXPIRY_MARGIN = Duration.ofMinutes(1);
  private static final Logger LOG = Logger.getLogger(EnrolmentService.class.getName());

  private final CertificateAuthority ca;
  private final Path caDir;
  private final EnrolmentTokens tokens;
  private final Clock clock;

  private EnrolmentService(CertificateAuthority ca, Path caDir, Clock clock) {
    this.ca = ca;
    this.caDir = caDir;
    this.tokens = caDir == null ? null : new EnrolmentTokens(caDir, clock);
    this.clock = clock;
  }

  /**
   * A service that issues certificates from the CA in {@code caDir}.
   *
   * @param clock decides token expiry and certificate validity
   * @throws IOException naming the file if the CA cannot be loaded from {@code caDir}
   */
  public static EnrolmentService open(Path caDir, Clock clock, SecureRandom random)
      throws IOException {
    Objects.requireNonNull(caDir, "caDir");
    Objects.requireNonNull(clock, "clock");
    return new EnrolmentService(CertificateAuthority.load(caDir, clock, random), caDir, clock);
  }

  /** A service for a coordinator that does not run the CA: every call is UNAVAILABLE. */
  public static EnrolmentService withoutCa() {
    return new EnrolmentService(null, null, Clock.systemUTC());
  }

  /**
   * The certificate of the CA this service issues from, empty without one. The coordinator's
   * TLS trust ({@code --ca}) must include it, or enrolled nodes could not connect.
   */
  public Optional<X509Certificate> caCertificate() {
    return ca == null ? Optional.empty() : Optional.of(ca.certificate());
  }

  @Override
  public void enrol(EnrolRequest request, StreamObserver<EnrolResponse> response) {
    unary(response, () -> {
      requireCa();
      CertificateRequest csr = parse(request.getCsrDer().toByteArray(),
          request.getSigningPublicKeyDer().toByteArray());
      try {
        return answer(tokens.redeem(request.getToken(), token -> issueFor(token, csr)));
      } catch (TokenRefusedException e) {
        throw Status.UNAUTHENTICATED.withDescription(e.getMessage()).asRuntimeException();
      } catch (IOException e) {
        throw storeFailure(e);
      }
    });
  }

  @Override
  public void renew(RenewRequest request, StreamObserver<EnrolResponse> response) {
    unary(response, () -> {
      requireCa();
      PeerIdentity caller = Peers.current();
      X509Certificate current = Peers.currentCertificate();
      if (current == null) {
        throw Status.UNAUTHENTICATED.withDescription("renewal needs the current certificate;"
            + " call Renew over mutual TLS with it").asRuntimeException();
      }
      if (caller.role() == Role.COORDINATOR) {
        throw Status.FAILED_PRECONDITION.withDescription("a coordinator certificate carries"
            + " host names and is not renewed by enrolment; issue a new one with 'factoryfl ca"
            + " issue --role coordinator --dns HOST'").asRuntimeException();
      }
      CertificateRequest csr = parse(request.getCsrDer().toByteArray(),
          request.getSigningPublicKeyDer().toByteArray());
      if (!csr.name().equals(caller.name())) {
        throw Status.PERMISSION_DENIED.withDescription("'" + caller.name() + "' may renew only"
            + " its own certificate; the certificate request names '" + csr.name() + "'")
            .asRuntimeException();
      }
      Duration lifetime = Duration.between(
          current.getNotBefore().toInstant().plus(CertificateAuthority.BACKDATE),
          current.getNotAfter().toInstant());
      try {
        requireNotRevoked(caller.name());
        X509Certificate renewed = sign(csr, caller.role(), lifetime);
        CertificateLog.record(caDir, renewed, "renew", clock);
        LOG.info(() -> "renewed " + caller.role().wireName() + " certificate of '"
            + caller.name() + "': serial " + serial(current) + " -> " + serial(renewed));
        return answer(renewed);
      } catch (IOException e) {
        throw storeFailure(e);
      }
    });
  }

  /** Runs inside the token store's critical section: a throw leaves the token unused. */
  private X509Certificate issueFor(EnrolmentToken token, CertificateRequest csr) {
    if (!csr.name().equals(token.site())) {
      throw Status.INVALID_ARGUMENT.withDescription("the enrolment token is for '" + token.site()
          + "', but the certificate request names '" + csr.name() + "'; enrol as '"
          + token.site() + "' (leave out --name)").asRuntimeException();
    }
    try {
      requireNotRevoked(token.site());
      X509Certificate certificate = sign(csr, token.role(), token.certificateValidity());
      CertificateLog.record(caDir, certificate, "enrol", clock);
      LOG.info(() -> "enrolled " + token.role().wireName() + " '" + token.site()
          + "': serial " + serial(certificate));
      return certificate;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void requireNotRevoked(String name) throws IOException {
    if (RevocationList.load(caDir.resolve(RevocationList.FILE)).isRevoked(name)) {
      throw Status.PERMISSION_DENIED.withDescription("'" + name + "' is revoked and cannot be"
          + " given a certificate again; ask the CA operator for a token for a new name")
          .asRuntimeException();
    }
  }

  private X509Certificate sign(CertificateRequest csr, Role role, Duration wanted) {
    Duration remaining = ca.remainingValidity().minus(CA_EXPIRY_MARGIN);
    if (remaining.isNegative() || remaining.isZero()) {
      throw Status.FAILED_PRECONDITION.withDescription("the federation CA certificate expires at "
          + ca.certificate().getNotAfter().toInstant() + "; the CA operator must renew the CA"
          + " before certificates can be issued").asRuntimeException();
    }
    Duration validity = wanted.compareTo(remaining) < 0 ? wanted : remaining;
    if (validity.isNegative() || validity.isZero()) {
      validity = remaining;
    }
    try {
      return ca.sign(csr, role, validity);
    } catch (IllegalArgumentException e) {
      throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
    }
  }

  private void requireCa() {
    if (ca == null) {
      throw Status.UNAVAILABLE.withDescription(NO_CA).asRuntimeException();
    }
  }

  private static CertificateRequest parse(byte[] csrDer, byte[] signingKeyDer) {
    try {
      return CertificateRequest.parse(csrDer, signingKeyDer);
    } catch (IllegalArgumentException e) {
      throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
    }
  }

  private EnrolResponse answer(X509Certificate certificate) {
    try {
      return EnrolResponse.newBuilder()
          .setCertificateDer(ByteString.copyFrom(certificate.getEncoded()))
          .setCaCertificateDer(
              ByteString.copyFrom(ca.certificate().getEncoded()))
          .build();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("cannot encode a certificate the CA just made", e);
    }
  }

  private static StatusRuntimeException storeFailure(IOException e) {
    LOG.log(Level.SEVERE, "enrolment failed on the CA directory: " + e.getMessage(), e);
    return Status.INTERNAL.withDescription("the CA could not update its records, so no"
        + " certificate was handed out and an enrolment token stays unused; the coordinator's"
        + " log says why").asRuntimeException();
  }

  private static String serial(X509Certificate certificate) {
    return CertificateLog.serialHex(certificate.getSerialNumber());
  }

  /** Sends the body's value, or the Status it threw; grpc-java would turn a throw into UNKNOWN. */
  private static void unary(StreamObserver<EnrolResponse> response,
      Supplier<EnrolResponse> body) {
    EnrolResponse value;
    try {
      value = body.get();
    } catch (StatusRuntimeException e) {
      response.onError(e);
      return;
    } catch (UncheckedIOException e) {
      response.onError(storeFailure(e.getCause()));
      return;
    }
    response.onNext(value);
    response.onCompleted();
  }

  @Override
  public String toString() {
    return ca == null ? "EnrolmentService[no CA]" : "EnrolmentService[" + caDir + "]";
  }
}
