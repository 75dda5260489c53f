package io.factoryfl.coordinator.server;

import io.factoryfl.core.security.CertificateLog;
import io.factoryfl.core.security.CertificateProblems;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.RevocationList;
import io.factoryfl.core.security.RevocationSource;
import io.factoryfl.proto.v1.EnrolmentGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusException;
import java.io.IOException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The coordinator's one gate: establishes who is calling from the client certificate that the
 * TLS handshake has already verified against the federation CA (see {@link ServerTls}), refuses
 * revoked and expired certificates, and lets the call through only if the caller's role may
 * use the method ({@link AccessPolicy}). Service code learns the caller from
 * {@link Peers#current()}.
 *
 * <p>For every call, before any service code runs:
 * <ol>
 *   <li>No client certificate: only what {@link AccessPolicy} opens to anyone ({@code Enrolment/Enrol},
 *       {@code grpc.health.v1.Health/Check}) proceeds (anonymously); anything
 *       else is closed with {@code UNAUTHENTICATED}.
 *   <li>A certificate whose subject is not a valid identity, that is expired or not yet valid
 *       on the injected clock, or that the revocation list names (by CN or serial):
 *       {@code UNAUTHENTICATED} saying which, e.g. {@code certificate of 'plant-3' (serial 5a0f)
 *       is revoked ...}. The list is consulted on every call, not only when a connection opens,
 *       so a revoked node is cut off at its next call; a revocation list that cannot be read
 *       refuses everyone with {@code UNAVAILABLE} rather than let a revoked node in.
 *   <li>A role the policy does not allow for the method: {@code PERMISSION_DENIED}, e.g.
 *       {@code method factoryfl.v1.Admin/SubmitJob needs the admin role; 'bob' has the auditor
 *       role}.
 * </ol>
 * Instances are thread-safe.
 */
public final class AuthenticationInterceptor implements ServerInterceptor {

  static final String CERTIFICATE_REQUIRED =
      "a client certificate issued by the federation CA is required";
  private static final Logger LOG = LoggerFactory.getLogger(AuthenticationInterceptor.class);

  private final AccessPolicy policy;
  private final RevocationSource revocations;
  private final Clock clock;
  private volatile String lastLoggedFailure;

  /** The {@linkplain AccessPolicy#standard() standard policy}, without a revocation list. */
  public AuthenticationInterceptor() {
    this(AccessPolicy.standard(), null, Clock.systemUTC());
  }

  /**
   * The {@linkplain AccessPolicy#standard() standard policy}, refusing certificates that
   * {@code revocations} lists.
   *
   * @param clock decides whether a certificate has expired
   */
  public AuthenticationInterceptor(RevocationSource revocations, Clock clock) {
    this(AccessPolicy.standard(), Objects.requireNonNull(revocations, "revocations"), clock);
  }

  AuthenticationInterceptor(AccessPolicy policy, RevocationSource revocations, Clock clock) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.revocations = revocations;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    X509Certificate leaf = session == null ? null : clientCertificate(session);
    if (leaf == null) {
      if (policy.allowsAnonymous(method)) {
        return next.startCall(call, headers);
      }
      return reject(call,
          Status.UNAUTHENTICATED.withDescription(missingCertificate(session != null)));
    }
    PeerIdentity peer;
    try {
      peer = admit(method, leaf);
    } catch (StatusException e) {
      return reject(call, e.getStatus());
    }
    Context context = Context.current()
        .withValue(Peers.PEER, peer)
        .withValue(Peers.CERTIFICATE, leaf);
    return Contexts.interceptCall(context, call, headers, next);
  }

  /**
   * Decides whether the holder of {@code certificate}, already verified against the federation
   * CA, may call {@code method}.
   *
   * @return the caller
   * @throws StatusException UNAUTHENTICATED, UNAVAILABLE or PERMISSION_DENIED as described in
   *     the class comment
   */
  PeerIdentity admit(String method, X509Certificate certificate) throws StatusException {
    PeerIdentity peer;
    try {
      peer = PeerIdentity.fromCertificate(certificate);
    } catch (IllegalArgumentException e) {
      throw Status.UNAUTHENTICATED.withDescription(CERTIFICATE_REQUIRED + "; " + e.getMessage())
          .asException();
    }
    String whose = "certificate of '" + peer.name() + "' (serial "
        + CertificateLog.serialHex(certificate.getSerialNumber()) + ")";
    Instant now = clock.instant();
    Instant notAfter = certificate.getNotAfter().toInstant();
    if (now.isAfter(notAfter)) {
      throw Status.UNAUTHENTICATED.withDescription(whose + " expired at " + notAfter + " (now "
          + now + "); " + CertificateProblems.renewal(peer.role())).asException();
    }
    Instant notBefore = certificate.getNotBefore().toInstant();
    if (now.isBefore(notBefore)) {
      throw Status.UNAUTHENTICATED.withDescription(whose + " is not valid before " + notBefore
          + " (now " + now + "); check the clocks of this node and the CA").asException();
    }
    if (revocations != null) {
      RevocationList list;
      try {
        list = revocations.current();
      } catch (IOException e) {
        if (!e.getMessage().equals(lastLoggedFailure)) {
          lastLoggedFailure = e.getMessage();
          LOG.error("refusing every call until the revocation list is fixed: "
              + e.getMessage(), e);
        }
        throw Status.UNAVAILABLE.withDescription("the coordinator cannot read its revocation"
            + " list, so it admits no one until its operator fixes it: " + e.getMessage())
            .asException();
      }
      Optional<RevocationList.Revocation> revoked = list.find(certificate);
      if (revoked.isPresent()) {
        RevocationList.Revocation revocation = revoked.get();
        throw Status.UNAUTHENTICATED.withDescription(whose + " is revoked ('"
            + revocation.name() + "' revoked at " + revocation.revokedAt()
            + (revocation.reason().isEmpty() ? "" : ": " + revocation.reason()) + ")")
            .asException();
      }
    }
    Optional<String> denial = policy.denial(method, peer);
    if (denial.isPresent()) {
      throw Status.PERMISSION_DENIED.withDescription(denial.get()).asException();
    }
    return peer;
  }

  /** The description of a call refused for want of a client certificate. */
  static String missingCertificate(boolean tls) {
    return CERTIFICATE_REQUIRED + "; " + (tls ? "none was presented" : "this connection is not TLS")
        + " (only " + EnrolmentGrpc.getEnrolMethod().getFullMethodName()
        + " may be called without one, to enrol with a token)"
        + (tls ? "; a node whose certificate is from another CA presents none: enrol again with a"
            + " token from this federation" : "");
  }

  private static X509Certificate clientCertificate(SSLSession session) {
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
    return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? leaf : null;
  }

  /**
   * For tests only: an interceptor that claims every call comes from {@code peer}, for
   * in-process servers that have no TLS. Checks no role. Never install it on a network server.
   */
  public static ServerInterceptor fixedIdentity(PeerIdentity peer) {
    Objects.requireNonNull(peer, "peer");
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return Contexts.interceptCall(Context.current().withValue(Peers.PEER, peer), call,
            headers, next);
      }
    };
  }

  private static <Q, R> ServerCall.Listener<Q> reject(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
