package io.factoryfl.coordinator.enrol;

import io.factoryfl.coordinator.enrol.EnrolmentAttempt.Outcome;
import io.factoryfl.coordinator.server.Peers;
import com.google.protobuf.ByteString;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.CertificateLog;
import io.factoryfl.core.security.CertificateRequest;
import io.factoryfl.core.security.EnrolmentToken;
import io.factoryfl.core.security.EnrolmentTokens;
import io.factoryfl.core.security.KeyContinuity;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.RevocationList;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SignedRevocationList;
import io.factoryfl.core.security.TokenRefusedException;
import io.factoryfl.proto.v1.EnrolRequest;
import io.factoryfl.proto.v1.EnrolResponse;
import io.factoryfl.proto.v1.EnrolmentGrpc;
import io.factoryfl.proto.v1.RenewRequest;
import io.factoryfl.proto.v1.RevocationListRequest;
import io.grpc.BindableService;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
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
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Enrolment service: turns a one-time token and a certificate request made at the site into
 * a certificate from the federation CA ({@code Enrol}), gives an authenticated node a fresh
 * certificate of its role before its current one expires ({@code Renew}), and hands out the
 * revocation list signed with the CA key ({@code GetRevocationList}, see
 * {@link SignedRevocationList}). In production it runs in its own process, {@code factoryfl ca
 * serve} ({@link CaServer}); {@code factoryfl coordinator --ca-dir --dev-ca} runs it inside the
 * coordinator for development only, since whoever holds the CA key can mint any certificate.
 *
 * <p>The CA directory ({@code factoryfl coordinator --ca-dir DIR}) holds the CA key, the token
 * store ({@link EnrolmentTokens}), the certificate log ({@link CertificateLog}) and the
 * revocation list ({@link RevocationList}); {@code factoryfl ca token} and {@code ca revoke} may
 * update it while the coordinator runs. A coordinator without a CA directory answers both
 * methods with {@code UNAVAILABLE}.
 *
 * <p><b>Abuse</b>: failed {@code Enrol} attempts are limited per caller address and per site
 * name the token claims ({@link FailureLimiter}, by default 5 failures a minute for each):
 * beyond that an attempt is answered {@code RESOURCE_EXHAUSTED}, saying how long to wait,
 * without the token being looked at. Successful enrolments cost nothing against the limit.
 * Every call, whatever its outcome, is recorded in the enrolment audit log
 * ({@link EnrolmentAuditLog}, {@code <ca-dir>/enrolment-audit.jsonl}), never with the token's
 * secret.
 *
 * <p>Register it behind {@code AuthenticationInterceptor} like every other service: the
 * interceptor lets {@code Enrol} through without a client certificate and requires an
 * unrevoked one for {@code Renew}. Its own {@link #bindService()} records each caller's address
 * (see {@link RemotePeer}).
 */
public final class EnrolmentService implements BindableService, EnrolmentGrpc.AsyncService {

  static final String NO_CA = "this coordinator does not run the CA; enrol, renew and fetch"
      + " the revocation list through the CA service ('factoryfl ca serve', given to 'participant"
      + " enroll --ca-service HOST:PORT'), or ask the CA operator to issue the certificate with"
      + " 'factoryfl ca issue'";
  /** Kept off the end of a certificate's validity so it never outlives the CA certificate. */
  private static final Duration CA_EXPIRY_MARGIN = Duration.ofMinutes(1);
  private static final Logger LOG = LoggerFactory.getLogger(EnrolmentService.class);

  private final CertificateAuthority ca;
  private final Path caDir;
  private final EnrolmentTokens tokens;
  private final Clock clock;
  private final FailureLimiter byPeer;
  private final FailureLimiter bySite;
  private final EnrolmentAuditLog audit;

  private EnrolmentService(CertificateAuthority ca, Path caDir, Clock clock,
      FailureLimiter.Limit limit) {
    this.ca = ca;
    this.caDir = caDir;
    this.tokens = caDir == null ? null : new EnrolmentTokens(caDir, clock);
    this.clock = clock;
    this.byPeer = new FailureLimiter(limit, clock);
    this.bySite = new FailureLimiter(limit, clock);
    this.audit = caDir == null ? null : EnrolmentAuditLog.in(caDir);
  }

  /**
   * A service that issues certificates from the CA in {@code caDir}, with the default limit on
   * failed attempts and its audit log in {@code caDir}.
   *
   * @param clock decides token expiry, certificate validity and the failure limit
   * @throws IOException naming the file if the CA cannot be loaded from {@code caDir}
   */
  public static EnrolmentService open(Path caDir, Clock clock, SecureRandom random)
      throws IOException {
    return open(caDir, clock, random, FailureLimiter.Limit.DEFAULT);
  }

  static EnrolmentService open(Path caDir, Clock clock, SecureRandom random,
      FailureLimiter.Limit limit) throws IOException {
    Objects.requireNonNull(caDir, "caDir");
    Objects.requireNonNull(clock, "clock");
    return new EnrolmentService(CertificateAuthority.load(caDir, clock, random), caDir, clock,
        limit);
  }

  /** A service for a coordinator that does not run the CA: every call is UNAVAILABLE. */
  public static EnrolmentService withoutCa() {
    return new EnrolmentService(null, null, Clock.systemUTC(), FailureLimiter.Limit.DEFAULT);
  }

  /**
   * The certificate of the CA this service issues from, empty without one. The coordinator's
   * TLS trust ({@code --ca}) must include it, or enrolled nodes could not connect.
   */
  public Optional<X509Certificate> caCertificate() {
    return ca == null ? Optional.empty() : Optional.of(ca.certificate());
  }

  /** The enrolment audit log, empty without a CA. */
  public Optional<Path> auditLog() {
    return audit == null ? Optional.empty() : Optional.of(audit.file());
  }

  /** The service, with the caller's network address captured for the limiter and the log. */
  @Override
  public ServerServiceDefinition bindService() {
    return ServerInterceptors.intercept(EnrolmentGrpc.bindService(this), RemotePeer.capture());
  }

  @Override
  public void enrol(EnrolRequest request, StreamObserver<EnrolResponse> response) {
    if (ca == null) {
      response.onError(Status.UNAVAILABLE.withDescription(NO_CA).asRuntimeException());
      return;
    }
    Attempt attempt = new Attempt("enrol", RemotePeer.current(), claimedSite(request));
    Optional<Refusal> throttled = throttle(attempt);
    if (throttled.isPresent()) {
      finish(attempt, throttled.get(), response);
      return;
    }
    EnrolResponse answer;
    try {
      CertificateRequest csr = parse(request.getCsrDer().toByteArray(),
          request.getSigningPublicKeyDer().toByteArray());
      X509Certificate issued;
      try {
        issued = tokens.redeem(request.getToken(), token -> issueFor(token, csr, attempt));
      } catch (TokenRefusedException e) {
        attempt.role = e.role().orElse(null);
        throw new Refusal(refusalOf(e.reason()),
            Status.UNAUTHENTICATED.withDescription(e.getMessage()));
      }
      answer = answer(issued);
    } catch (Refusal refusal) {
      finish(attempt, refusal, response);
      return;
    } catch (IOException | UncheckedIOException e) {
      finish(attempt, storeFailure(e), response);
      return;
    } catch (RuntimeException e) {
      finish(attempt, internalError(e), response);
      return;
    }
    record(attempt, Outcome.ENROLLED);
    respond(response, answer);
  }

  @Override
  public void renew(RenewRequest request, StreamObserver<EnrolResponse> response) {
    if (ca == null) {
      response.onError(Status.UNAVAILABLE.withDescription(NO_CA).asRuntimeException());
      return;
    }
    PeerIdentity caller = Peers.current();
    Attempt attempt = new Attempt("renew", RemotePeer.current(),
        caller == null ? null : caller.name());
    attempt.role = caller == null ? null : caller.role();
    EnrolResponse answer;
    try {
      X509Certificate current = Peers.currentCertificate();
      if (caller == null || current == null) {
        throw new Refusal(Outcome.NOT_AUTHENTICATED, Status.UNAUTHENTICATED.withDescription(
            "renewal needs the current certificate; call Renew over mutual TLS with it"));
      }
      if (caller.role() == Role.COORDINATOR) {
        throw new Refusal(Outcome.COORDINATOR_ROLE, Status.FAILED_PRECONDITION.withDescription(
            "a coordinator certificate carries host names and is not renewed by enrolment;"
            + " issue a new one with 'factoryfl ca issue --role coordinator --dns HOST'"));
      }
      CertificateRequest csr = parse(request.getCsrDer().toByteArray(),
          request.getSigningPublicKeyDer().toByteArray());
      if (!csr.name().equals(caller.name())) {
        throw new Refusal(Outcome.OTHER_NAME, Status.PERMISSION_DENIED.withDescription("'"
            + caller.name() + "' may renew only its own certificate; the certificate request"
            + " names '" + csr.name() + "'"));
      }
      Duration lifetime = Duration.between(
          current.getNotBefore().toInstant().plus(CertificateAuthority.BACKDATE),
          current.getNotAfter().toInstant());
      requireNotRevoked(caller.name());
      List<KeyContinuity.Link> continuity;
      try {
        continuity = KeyContinuity.extend(current, csr.signingKey(),
            request.getSigningKeyEndorsement().toByteArray());
      } catch (IllegalArgumentException e) {
        throw new Refusal(Outcome.BAD_REQUEST, Status.INVALID_ARGUMENT.withDescription(
            e.getMessage()));
      }
      X509Certificate renewed = sign(csr, caller.role(), lifetime, continuity);
      CertificateLog.record(caDir, renewed, "renew", clock);
      LOG.atInfo().log(() -> "renewed " + caller.role().wireName() + " certificate of '"
          + caller.name() + "': serial " + serial(current) + " -> " + serial(renewed));
      answer = answer(renewed);
    } catch (Refusal refusal) {
      finish(attempt, refusal, response);
      return;
    } catch (IOException | UncheckedIOException e) {
      finish(attempt, storeFailure(e), response);
      return;
    } catch (RuntimeException e) {
      finish(attempt, internalError(e), response);
      return;
    }
    record(attempt, Outcome.RENEWED);
    respond(response, answer);
  }

  /**
   * The CA's revocation list as {@value RevocationList#FILE} says now, signed with the CA key and
   * stamped with the current time. Read-only and not audited (it reveals nothing a certificate
   * holder may not know, and is fetched every minute by each coordinator).
   */
  @Override
  public void getRevocationList(RevocationListRequest request,
      StreamObserver<io.factoryfl.proto.v1.SignedRevocationList> response) {
    if (ca == null) {
      response.onError(Status.UNAVAILABLE.withDescription(NO_CA).asRuntimeException());
      return;
    }
    try {
      byte[] signed = signedRevocationList().encoded();
      response.onNext(io.factoryfl.proto.v1.SignedRevocationList.newBuilder()
          .setSignedList(ByteString.copyFrom(signed)).build());
      response.onCompleted();
    } catch (IOException e) {
      response.onError(storeFailure(e).status.asRuntimeException());
    }
  }

  /**
   * The CA directory's revocation list, signed now with the CA key.
   *
   * @throws IOException naming the file if the list cannot be read
   * @throws IllegalStateException without a CA
   */
  public SignedRevocationList signedRevocationList() throws IOException {
    if (ca == null) {
      throw new IllegalStateException(NO_CA);
    }
    return SignedRevocationList.sign(ca, RevocationList.load(caDir.resolve(RevocationList.FILE)));
  }

  /**
   * Refuses the attempt unchecked if its address or the site its token names has failed too
   * often; the longer of the two waits is the one reported.
   */
  private Optional<Refusal> throttle(Attempt attempt) {
    Optional<Duration> peerWait = byPeer.waitFor(attempt.peer);
    Optional<Duration> siteWait = attempt.site == null ? Optional.empty()
        : bySite.waitFor(attempt.site);
    if (peerWait.isEmpty() && siteWait.isEmpty()) {
      return Optional.empty();
    }
    boolean bySiteName = siteWait.isPresent()
        && (peerWait.isEmpty() || siteWait.get().compareTo(peerWait.get()) > 0);
    Duration wait = bySiteName ? siteWait.get() : peerWait.get();
    String who = bySiteName ? "for site '" + attempt.site + "'" : "from " + attempt.peer;
    return Optional.of(new Refusal(Outcome.THROTTLED, Status.RESOURCE_EXHAUSTED.withDescription(
        "too many failed enrolment attempts " + who + " (the limit is " + byPeer.limit()
        + ", to stop tokens being guessed); this attempt was not checked. Try again in "
        + FailureLimiter.seconds(wait) + " with the token exactly as 'factoryfl ca token'"
        + " printed it, or ask the CA operator for a new one")));
  }

  /** Runs inside the token store's critical section: a throw leaves the token unused. */
  private X509Certificate issueFor(EnrolmentToken token, CertificateRequest csr,
      Attempt attempt) {
    attempt.role = token.role();
    if (!csr.name().equals(token.site())) {
      throw new Refusal(Outcome.NAME_MISMATCH, Status.INVALID_ARGUMENT.withDescription(
          "the enrolment token is for '" + token.site() + "', but the certificate request"
          + " names '" + csr.name() + "'; enrol as '" + token.site() + "' (leave out --name)"));
    }
    try {
      requireNotRevoked(token.site());
      X509Certificate certificate = sign(csr, token.role(), token.certificateValidity(),
          List.of());
      CertificateLog.record(caDir, certificate, "enrol", clock);
      LOG.atInfo().log(() -> "enrolled " + token.role().wireName() + " '" + token.site()
          + "': serial " + serial(certificate));
      return certificate;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void requireNotRevoked(String name) throws IOException {
    if (RevocationList.load(caDir.resolve(RevocationList.FILE)).isRevoked(name)) {
      throw new Refusal(Outcome.REVOKED_NAME, Status.PERMISSION_DENIED.withDescription("'"
          + name + "' is revoked and cannot be given a certificate again; ask the CA operator"
          + " for a token for a new name"));
    }
  }

  private X509Certificate sign(CertificateRequest csr, Role role, Duration wanted,
      List<KeyContinuity.Link> continuity) {
    Duration remaining = ca.remainingValidity().minus(CA_EXPIRY_MARGIN);
    if (remaining.isNegative() || remaining.isZero()) {
      throw new Refusal(Outcome.CA_EXPIRED, Status.FAILED_PRECONDITION.withDescription(
          "the federation CA certificate expires at " + ca.certificate().getNotAfter()
          .toInstant() + "; the CA operator must renew the CA before certificates can be"
          + " issued"));
    }
    Duration validity = wanted.compareTo(remaining) < 0 ? wanted : remaining;
    if (validity.isNegative() || validity.isZero()) {
      validity = remaining;
    }
    try {
      return ca.sign(csr, role, validity, continuity);
    } catch (IllegalArgumentException e) {
      throw new Refusal(Outcome.BAD_REQUEST, Status.INVALID_ARGUMENT.withDescription(
          e.getMessage()));
    }
  }

  /** The site the token claims, or null when the token is malformed; never the secret. */
  private static String claimedSite(EnrolRequest request) {
    try {
      return EnrolmentTokens.siteOf(request.getToken());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static Outcome refusalOf(TokenRefusedException.Reason reason) {
    return switch (reason) {
      case MALFORMED -> Outcome.MALFORMED_TOKEN;
      case UNKNOWN -> Outcome.UNKNOWN_TOKEN;
      case USED -> Outcome.USED_TOKEN;
      case EXPIRED -> Outcome.EXPIRED_TOKEN;
    };
  }

  private static CertificateRequest parse(byte[] csrDer, byte[] signingKeyDer) {
    try {
      return CertificateRequest.parse(csrDer, signingKeyDer);
    } catch (IllegalArgumentException e) {
      throw new Refusal(Outcome.BAD_REQUEST, Status.INVALID_ARGUMENT.withDescription(
          e.getMessage()));
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

  /** Counts a refusal against the caller, records the attempt and answers with its status. */
  private void finish(Attempt attempt, Refusal refusal, StreamObserver<EnrolResponse> response) {
    if (refusal.outcome.isFailure() && attempt.method.equals("enrol")) {
      byPeer.failed(attempt.peer);
      if (attempt.site != null) {
        bySite.failed(attempt.site);
      }
      // a diagnostic line when the limit starts to bite, at most once per refill interval
      if (byPeer.waitFor(attempt.peer).isPresent()
          || (attempt.site != null && bySite.waitFor(attempt.site).isPresent())) {
        LOG.atWarn().log(() -> "throttling enrolment from " + attempt.peer
            + (attempt.site == null ? "" : " and for site '" + attempt.site + "'")
            + " after repeated failures (limit " + byPeer.limit() + "); the attempts are in "
            + audit.file());
      }
    }
    record(attempt, refusal.outcome);
    response.onError(refusal.status.asRuntimeException());
  }

  private void record(Attempt attempt, Outcome outcome) {
    audit.record(new EnrolmentAttempt(clock.instant(), attempt.method, attempt.peer,
        attempt.site, attempt.role, outcome));
  }

  private static Refusal storeFailure(Exception e) {
    Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
    LOG.error("enrolment failed on the CA directory: " + cause.getMessage(), cause);
    return new Refusal(Outcome.STORE_FAILURE, Status.INTERNAL.withDescription("the CA could not"
        + " update its records, so no certificate was handed out and an enrolment token stays"
        + " unused; the coordinator's log says why"));
  }

  /** A bug, not the caller's fault: logged in full, answered INTERNAL rather than UNKNOWN. */
  private static Refusal internalError(RuntimeException e) {
    LOG.error("enrolment failed unexpectedly", e);
    return new Refusal(Outcome.INTERNAL_ERROR, Status.INTERNAL.withDescription("the CA failed"
        + " unexpectedly, so no certificate was handed out and an enrolment token stays unused;"
        + " the coordinator's log says why"));
  }

  private static void respond(StreamObserver<EnrolResponse> response, EnrolResponse answer) {
    response.onNext(answer);
    response.onCompleted();
  }

  private static String serial(X509Certificate certificate) {
    return CertificateLog.serialHex(certificate.getSerialNumber());
  }

  /** Who is calling and what the service has learnt about them so far. */
  private static final class Attempt {
    final String method;
    final String peer;
    final String site;
    Role role;

    Attempt(String method, String peer, String site) {
      this.method = method;
      this.peer = peer;
      this.site = site;
    }
  }

  /** A call answered with an error status, and how the audit log names it. */
  private static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Outcome outcome;
    final transient Status status;

    Refusal(Outcome outcome, Status status) {
      super(status.getDescription(), null, false, false);
      this.outcome = outcome;
      this.status = status;
    }
  }

  @Override
  public String toString() {
    return ca == null ? "EnrolmentService[no CA]" : "EnrolmentService[" + caDir + "]";
  }
}
