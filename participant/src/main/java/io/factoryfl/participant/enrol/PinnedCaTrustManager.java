package io.factoryfl.participant.enrol;

import io.factoryfl.core.security.CaPin;
import io.factoryfl.core.security.TlsMaterial;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts a server only if its certificate chain carries the CA whose fingerprint the enrolment
 * token pinned and the server's certificate verifies against that CA (PKIX, with that CA as the
 * only anchor). The host name is still checked by the TLS layer. Remembers the CA it found, which
 * becomes the site's trust anchor.
 */
final class PinnedCaTrustManager implements X509TrustManager {
  private final String pin;
  private volatile X509Certificate pinned;

  PinnedCaTrustManager(String pin) {
    this.pin = pin;
  }

  /** The pinned CA as seen in the handshake, or null before one. */
  X509Certificate pinnedCa() {
    return pinned;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    X509Certificate ca = null;
    for (X509Certificate certificate : chain) {
      if (CaPin.matches(pin, certificate)) {
        ca = certificate;
      }
    }
    if (ca == null) {
      throw new CertificateException("the coordinator's certificate chain holds no CA with the"
          + " token's fingerprint " + pin + "; this is not the federation's coordinator");
    }
    for (TrustManager manager : TlsMaterial.trustOnly(List.of(ca)).getTrustManagers()) {
      if (manager instanceof X509TrustManager pkix) {
        pkix.checkServerTrusted(chain, authType);
      }
    }
    pinned = ca;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("an enrolling site does not accept client connections");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
