package io.factoryfl.core.security;

import java.security.cert.CertificateException;

/**
 * A certificate the TLS handshake refused, with a message that names the cause (expired at T,
 * not yet valid, another CA, another host) and what to do; the TLS stack's own exception is its
 * cause, so the alert sent to the peer is unchanged.
 */
public final class ExplainedCertificateException extends CertificateException {
  private static final long serialVersionUID = 1L;

  ExplainedCertificateException(String message, Throwable cause) {
    super(message, cause);
  }
}
