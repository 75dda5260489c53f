package io.factoryfl.core.security;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A certificate issued by the federation CA together with its private key and the CA
 * certificate: everything a node needs for mutual TLS (see {@link TlsMaterial#of}).
 *
 * <p>{@link #toString()} never shows the private key.
 */
public record IssuedIdentity(
    X509Certificate certificate, PrivateKey privateKey, X509Certificate caCertificate) {

  /** The name of the CA certificate file written by {@link #writeTo}. */
  public static final String CA_FILE = "ca.pem";

  public IssuedIdentity {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(caCertificate, "caCertificate");
  }

  /** The identity the certificate vouches for. */
  public PeerIdentity identity() {
    return PeerIdentity.fromCertificate(certificate);
  }

  /**
   * Writes {@code <baseName>.pem} (the certificate), {@code <baseName>-key.pem} (the private
   * key, created with permissions 0600) and {@value #CA_FILE} into {@code dir}, creating the
   * directory if needed and replacing existing files.
   *
   * @throws IllegalArgumentException if {@code baseName} is not a valid name or is "ca"
   */
  public void writeTo(Path dir, String baseName) throws IOException {
    PeerIdentity.checkName("base name", baseName);
    if (baseName.equals("ca")) {
      throw new IllegalArgumentException(
          "base name 'ca' would overwrite the CA certificate " + CA_FILE + "; choose another");
    }
    Pem.writeCertificate(dir.resolve(baseName + ".pem"), certificate);
    Pem.writePrivateKey(dir.resolve(baseName + "-key.pem"), privateKey);
    Pem.writeCertificate(dir.resolve(CA_FILE), caCertificate);
  }

  @Override
  public String toString() {
    return "IssuedIdentity[subject=" + certificate.getSubjectX500Principal()
        + ", issuer=" + certificate.getIssuerX500Principal()
        + ", notAfter=" + certificate.getNotAfter().toInstant() + "]";
  }
}
