package io.factoryfl.participant.session;

import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Learns the coordinator's identity signing key, which signs the site's receipts, from the
 * certificate the coordinator presents in the TLS handshake.
 *
 * <p>Why this certificate: the coordinator's TLS certificate is the one its signing key is bound
 * into (the {@code SigningIdentity} extension; {@code coordinator --cert} serves both), and the
 * handshake has already checked it against the federation CA ({@code ca.pem}) and the host name.
 * Here it is checked once more as a signer: issued by that CA, valid now, role coordinator, and
 * carrying an Ed25519 signing key ({@link SigningIdentity#verifiedSigningKey}). Receipts arrive
 * in the response of a call on the same connection, so the key is the one of the coordinator the
 * site is talking to. A certificate that fails (say, a participant certificate presented by a
 * fake coordinator) leaves the key unknown, and receipts are then refused.
 *
 * <p>An interceptor on the site's channel; each distinct certificate is checked once.
 */
final class CoordinatorSigningKey implements ClientInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(CoordinatorSigningKey.class);

  /** The last certificate seen and what it yielded. */
  private record Learned(byte[] der, PublicKey key, String problem) {}

  private final X509Certificate ca;
  private final Clock clock;
  private volatile Learned learned;

  /**
   * @param ca the federation CA certificate the site trusts
   * @param clock the coordinator certificate must be valid at its time
   */
  CoordinatorSigningKey(X509Certificate ca, Clock clock) {
    this.ca = Objects.requireNonNull(ca, "ca");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The coordinator's signing key, if its certificate has been seen and checked out. */
  Optional<PublicKey> key() {
    Learned l = learned;
    return l == null ? Optional.empty() : Optional.ofNullable(l.key());
  }

  /** Why there is no key: nothing seen yet, or what was wrong with the certificate. */
  String whyUnknown() {
    Learned l = learned;
    return l == null ? "no TLS session with the coordinator has been seen yet"
        : l.problem() == null ? "the key is known" : l.problem();
  }

  /** Takes the coordinator's certificate from a call's TLS session. */
  void learn(SSLSession session) {
    if (session == null) {
      return;
    }
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return;
    }
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate certificate)) {
      return;
    }
    byte[] der;
    try {
      der = certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      return;
    }
    Learned before = learned;
    if (before != null && Arrays.equals(before.der(), der)) {
      return;
    }
    Learned now;
    try {
      String name = PeerIdentity.fromCertificate(certificate).name();
      now = new Learned(der, SigningIdentity.verifiedSigningKey(der, ca, name, Role.COORDINATOR,
          clock), null);
    } catch (IllegalArgumentException e) {
      now = new Learned(der, null, "the coordinator's certificate ("
          + certificate.getSubjectX500Principal() + ") cannot sign receipts: " + e.getMessage());
      LOG.warn(now.problem() + "; receipts from this coordinator will be refused");
    }
    learned = now;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
      CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        ClientCall<Q, R> call = delegate();
        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(
            listener) {
          @Override
          public void onHeaders(Metadata responseHeaders) {
            learn(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
            super.onHeaders(responseHeaders);
          }
        }, headers);
      }
    };
  }
}
