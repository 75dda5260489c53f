package io.factoryfl.core.security;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A certificate issued by the federation CA together with its private key and the CA
 * certificate: everything a node needs for mutual TLS (see {@link TlsMaterial#of}); and, when
 * the certificate binds one, the Ed25519 identity signing key (see {@link SigningIdentity}).
 *
 * <p>{@link #toString()} never shows the private keys.
 *
 * @param certificate the node's TLS certificate
 * @param privateKey the ECDSA P-256 TLS key of {@code certificate}
 * @param caCertificate the federation CA certificate that issued it
 * @param signingKey the Ed25519 identity signing key whose public half the certificate binds,
 *     or null for a certificate without one
 */
public record IssuedIdentity(
    X509Certificate certificate, PrivateKey privateKey, X509Certificate caCertificate,
    PrivateKey signingKey) {

  /** The name of the CA certificate file written by {@link #writeTo}. */
  public static final String CA_FILE = "ca.pem";
  /** What {@link #writeTo} appends to the base name for the identity signing key file. */
  public static final String SIGNING_KEY_SUFFIX = "-signing-key.pem";

  /** An identity without an identity signing key. */
  public IssuedIdentity(
      X509Certificate certificate, PrivateKey privateKey, X509Certificate caCertificate) {
    this(certificate, privateKey, caCertificate, null);
  }

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
   * key, created with permissions 0600), {@code <baseName>-signing-key.pem} (the identity
   * signing key as PKCS#8, created with permissions 0600; only if there is one) and
   * {@value #CA_FILE} into {@code dir}, creating the directory if needed and replacing existing
   * files.
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
    if (signingKey != null) {
      Pem.writePrivateKey(dir.resolve(baseName + SIGNING_KEY_SUFFIX), signingKey);
    }
    Pem.writeCertificate(dir.resolve(CA_FILE), caCertificate);
  }

  @Override
  public String toString() {
    return "IssuedIdentity[subject=" + certificate.getSubjectX500Principal()
        + ", issuer=" + certificate.getIssuerX500Principal()
        + ", notAfter=" + certificate.getNotAfter().toInstant() + "]";
  }
}
