package io.factoryfl.participant.enrol;

import com.google.protobuf.ByteString;
import io.factoryfl.core.security.EnrolmentKeys;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.KeyContinuity;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.proto.v1.EnrolRequest;
import io.factoryfl.proto.v1.EnrolResponse;
import io.factoryfl.proto.v1.EnrolmentGrpc;
import io.factoryfl.proto.v1.RenewRequest;
import io.grpc.Channel;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Obtains a certificate from the coordinator's Enrolment service. The keys are made here
 * ({@link EnrolmentKeys}); only the certificate request and the public signing key are sent, and
 * the answer is checked against the federation CA the caller trusts before it is returned.
 *
 * <p>The caller owns the channel: for {@link #enrol} one that presents no client certificate
 * ({@link EnrolmentChannels#withoutCertificate}), for {@link #renew} the node's normal mutual TLS
 * channel with its current certificate.
 */
public final class EnrolmentClient {

  /** How long one enrolment call may take; signing is quick, this covers slow links. */
  public static final Duration DEADLINE = Duration.ofSeconds(30);

  private final EnrolmentGrpc.EnrolmentBlockingStub stub;

  public EnrolmentClient(Channel channel) {
    this.stub = EnrolmentGrpc.newBlockingStub(Objects.requireNonNull(channel, "channel"));
  }

  /**
   * Redeems a one-time token for a certificate named {@code name}.
   *
   * @param trustedCa the federation CA certificate received out of band with the token
   * @throws io.grpc.StatusRuntimeException with the coordinator's reason if it refused
   * @throws IllegalArgumentException if the answer does not fit the request or the trusted CA
   */
  public IssuedIdentity enrol(String token, String name, X509Certificate trustedCa,
      SecureRandom random) {
    EnrolmentKeys keys = EnrolmentKeys.generate(name, random);
    EnrolResponse answer = stub.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .enrol(EnrolRequest.newBuilder()
            .setToken(token.strip())
            .setCsrDer(ByteString.copyFrom(keys.csrDer()))
            .setSigningPublicKeyDer(ByteString.copyFrom(keys.signingPublicKeyDer()))
            .build());
    return keys.accept(answer.getCertificateDer().toByteArray(),
        answer.getCaCertificateDer().toByteArray(), trustedCa);
  }

  /**
   * As {@link #enrol(String, String, X509Certificate, SecureRandom)}, with the CA learnt during
   * the handshake (pinned by the token's fingerprint) as the trusted CA.
   */
  public IssuedIdentity enrol(String token, String name,
      java.util.function.Supplier<X509Certificate> pinnedCa, SecureRandom random) {
    EnrolmentKeys keys = EnrolmentKeys.generate(name, random);
    EnrolResponse answer = stub.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .enrol(EnrolRequest.newBuilder()
            .setToken(token.strip())
            .setCsrDer(ByteString.copyFrom(keys.csrDer()))
            .setSigningPublicKeyDer(ByteString.copyFrom(keys.signingPublicKeyDer()))
            .build());
    X509Certificate ca = pinnedCa.get();
    if (ca == null) {
      throw new IllegalStateException("the coordinator's CA was not seen in the TLS handshake");
    }
    return keys.accept(answer.getCertificateDer().toByteArray(),
        answer.getCaCertificateDer().toByteArray(), ca);
  }

  /**
   * Asks for a fresh certificate of the caller's role, with fresh keys, over a channel that
   * authenticates with the current certificate of {@code current}. The current identity
   * signing key endorses the new one ({@link KeyContinuity#endorse}), so peers that pinned it
   * accept the new certificate. The current certificate stays valid until it expires.
   *
   * @throws io.grpc.StatusRuntimeException with the CA service's reason if it refused
   * @throws IllegalArgumentException if the answer does not fit the request or the trusted CA
   */
  public IssuedIdentity renew(SigningIdentity current, X509Certificate trustedCa,
      SecureRandom random) {
    EnrolmentKeys keys = EnrolmentKeys.generate(current.name(), random);
    EnrolResponse answer = stub.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .renew(RenewRequest.newBuilder()
            .setCsrDer(ByteString.copyFrom(keys.csrDer()))
            .setSigningPublicKeyDer(ByteString.copyFrom(keys.signingPublicKeyDer()))
            .setSigningKeyEndorsement(ByteString.copyFrom(
                KeyContinuity.endorse(current, keys.signingPublicKey())))
            .build());
    return keys.accept(answer.getCertificateDer().toByteArray(),
        answer.getCaCertificateDer().toByteArray(), trustedCa);
  }
}
