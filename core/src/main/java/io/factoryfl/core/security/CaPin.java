package io.factoryfl.core.security;

import io.factoryfl.core.params.ContentHash;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;

/**
 * The fingerprint of the federation CA that travels inside an enrolment token, so a site can
 * enrol with nothing but the token: {@code ca token} prints {@code SITE:SECRET@sha256:HEX}, where
 * HEX is the SHA-256 of the CA certificate (DER). The enrolling site accepts the coordinator only
 * if the server's certificate chain contains a CA with that fingerprint and the server's
 * certificate verifies against it (as {@code kubeadm join --discovery-token-ca-cert-hash} does).
 * The fingerprint is public; only the part before {@code @} is secret, and only that part is sent.
 */
public final class CaPin {
  private static final String PREFIX = "sha256:";

  /** A token split into the secret part the coordinator redeems and the CA pin (or null). */
  public record PinnedToken(String token, String pin) {}

  private CaPin() {}

  /** {@code sha256:HEX} of the certificate. */
  public static String of(X509Certificate ca) {
    try {
      return PREFIX + ContentHash.of(ca.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("cannot encode CA certificate: " + e.getMessage(), e);
    }
  }

  /** The token with the CA's pin attached, as {@code ca token} prints it. */
  public static String attach(String token, X509Certificate ca) {
    return token + "@" + of(ca);
  }

  /**
   * Splits a printed token.
   *
   * @throws IllegalArgumentException if a pin is present but not {@code sha256:} and 64 hex digits
   */
  public static PinnedToken split(String text) {
    String trimmed = text.strip();
    int at = trimmed.lastIndexOf('@');
    if (at < 0) {
      return new PinnedToken(trimmed, null);
    }
    String pin = trimmed.substring(at + 1);
    if (!pin.matches(PREFIX + "[0-9a-f]{64}")) {
      throw new IllegalArgumentException("the CA pin '" + pin + "' after '@' must be sha256: and 64"
          + " lower-case hex digits, as 'factoryfl ca token' prints it");
    }
    return new PinnedToken(trimmed.substring(0, at), pin);
  }

  /** Whether {@code certificate} is the pinned CA. */
  public static boolean matches(String pin, X509Certificate certificate) {
    return pin.equals(of(certificate));
  }
}
