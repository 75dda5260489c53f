package io.factoryfl.core.security;

import java.net.Socket;
import java.security.KeyStore;
import java.security.Provider;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JDK's PKIX trust manager, deciding exactly as before, whose refusals carry a message
 * naming the cause ({@link CertificateProblems#ofPeer}) instead of "PKIX path building failed".
 * The refusal's cause stays the JDK's certificate-path exception, so the TLS alert sent to the
 * peer (certificate_expired, bad_certificate, ...) does not change.
 *
 * <p>The clock only words the message; validity is decided by the JDK with the system time.
 */
final class ExplainingTrustManager extends X509ExtendedTrustManager {

  private static final Provider PROVIDER = new Provider("FactoryFL", "1",
      "trust manager that explains refusals") {
    private static final long serialVersionUID = 1L;
  };

  private final X509ExtendedTrustManager delegate;
  private final List<X509Certificate> trusted;
  private final Clock clock;

  ExplainingTrustManager(X509ExtendedTrustManager delegate, List<X509Certificate> trusted,
      Clock clock) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.trusted = List.copyOf(trusted);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A factory that hands out just {@code manager}, for APIs that take a factory. */
  static TrustManagerFactory factoryOf(TrustManager manager) {
    return new TrustManagerFactory(new TrustManagerFactorySpi() {
      @Override
      protected void engineInit(KeyStore keyStore) {}

      @Override
      protected void engineInit(ManagerFactoryParameters parameters) {}

      @Override
      protected TrustManager[] engineGetTrustManagers() {
        return new TrustManager[] {manager};
      }
    }, PROVIDER, "PKIX") {};
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    try {
      delegate.checkClientTrusted(chain, authType);
    } catch (CertificateException e) {
      throw explained(chain, false, e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    try {
      delegate.checkClientTrusted(chain, authType, socket);
    } catch (CertificateException e) {
      throw explained(chain, false, e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    try {
      delegate.checkClientTrusted(chain, authType, engine);
    } catch (CertificateException e) {
      throw explained(chain, false, e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    try {
      delegate.checkServerTrusted(chain, authType);
    } catch (CertificateException e) {
      throw explained(chain, true, e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    try {
      delegate.checkServerTrusted(chain, authType, socket);
    } catch (CertificateException e) {
      throw explained(chain, true, e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    try {
      delegate.checkServerTrusted(chain, authType, engine);
    } catch (CertificateException e) {
      throw explained(chain, true, e);
    }
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.getAcceptedIssuers();
  }

  private CertificateException explained(X509Certificate[] chain, boolean server,
      CertificateException refusal) {
    String message = CertificateProblems.ofPeer(chain, trusted, clock.instant(), server,
        refusal.getMessage());
    // the JDK picks the TLS alert from the direct cause, so keep the path exception there
    Throwable cause = refusal.getCause() instanceof CertPathValidatorException path
        ? path : refusal;
    return new ExplainedCertificateException(message, cause);
  }
}
