package io.factoryfl.core.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * The keys a node makes for itself when it enrols or renews: an ECDSA P-256 TLS key pair, an
 * Ed25519 identity signing key pair, and a PKCS#10 request for the TLS key. Only
 * {@link #csrDer()} and {@link #signingPublicKeyDer()} are sent; the private keys stay here
 * until {@link #accept} pairs them with the certificate the CA returned.
 *
 * <p>{@link #toString()} never shows a key.
 */
public final class EnrolmentKeys {

  private final String name;
  private final KeyPair tls;
  private final KeyPair signing;
  private final byte[] csrDer;

  private EnrolmentKeys(String name, KeyPair tls, KeyPair signing, byte[] csrDer) {
    this.name = name;
    this.tls = tls;
    this.signing = signing;
    this.csrDer = csrDer;
  }

  /**
   * Makes fresh key pairs and a request with subject {@code CN=name}.
   *
   * @param name the identity to ask for; {@code [A-Za-z0-9._-]{1,64}}
   */
  public static EnrolmentKeys generate(String name, SecureRandom random) {
    PeerIdentity.checkName("name", name);
    Objects.requireNonNull(random, "random");
    KeyPair tls = Keys.newKeyPair(random);
    KeyPair signing = Keys.newSigningKeyPair(random);
    try {
      byte[] csr = new JcaPKCS10CertificationRequestBuilder(
          new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).build(), tls.getPublic())
          .build(new JcaContentSignerBuilder(Keys.SIGNATURE_ALGORITHM).build(tls.getPrivate()))
          .getEncoded();
      return new EnrolmentKeys(name, tls, signing, csr);
    } catch (OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot make a certificate request for '" + name + "'", e);
    }
  }

  /** The name in the request. */
  public String name() {
    return name;
  }

  /** The DER PKCS#10 request, signed with the new TLS key; a fresh copy. */
  public byte[] csrDer() {
    return csrDer.clone();
  }

  /** The DER SubjectPublicKeyInfo of the new Ed25519 identity signing key. */
  public byte[] signingPublicKeyDer() {
    return signing.getPublic().getEncoded();
  }

  /** The new Ed25519 identity signing key's public half. */
  public java.security.PublicKey signingPublicKey() {
    return signing.getPublic();
  }

  /**
   * Checks the certificate the CA returned for this request and pairs it with the private keys.
   *
   * @param certificateDer the DER certificate from the enrolment answer
   * @param caCertificateDer the DER CA certificate from the enrolment answer
   * @param trustedCa the federation CA certificate the node got out of band; the answer's CA
   *     must be exactly this one
   * @return the identity to write to disk ({@link IssuedIdentity#writeTo})
   * @throws IllegalArgumentException saying why the answer does not fit: not a certificate,
   *     another CA, not signed by it, another name, another TLS key, or a signing key other than
   *     ours
   */
  public IssuedIdentity accept(byte[] certificateDer, byte[] caCertificateDer,
      X509Certificate trustedCa) {
    Objects.requireNonNull(trustedCa, "trustedCa");
    X509Certificate certificate = parse(certificateDer, "certificate");
    X509Certificate ca = parse(caCertificateDer, "CA certificate");
    try {
      if (!Arrays.equals(ca.getEncoded(), trustedCa.getEncoded())) {
        throw new IllegalArgumentException("the coordinator answered with CA '"
            + ca.getSubjectX500Principal() + "', which is not the federation CA you trust ('"
            + trustedCa.getSubjectX500Principal() + "'); check --ca");
      }
      certificate.verify(trustedCa.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the certificate returned for '" + name
          + "' is not signed by the federation CA '" + trustedCa.getSubjectX500Principal()
          + "': " + e.getMessage(), e);
    }
    PeerIdentity holder = PeerIdentity.fromCertificate(certificate);
    if (!holder.name().equals(name)) {
      throw new IllegalArgumentException("the certificate returned is for '" + holder.name()
          + "', but we asked for '" + name + "'");
    }
    if (!Arrays.equals(certificate.getPublicKey().getEncoded(), tls.getPublic().getEncoded())) {
      throw new IllegalArgumentException("the certificate returned for '" + name
          + "' is for another TLS key than the one in our request");
    }
    PublicKey bound = SigningIdentity.signingKeyOf(certificate);
    if (bound == null
        || !Arrays.equals(bound.getEncoded(), signing.getPublic().getEncoded())) {
      throw new IllegalArgumentException("the certificate returned for '" + name
          + "' does not bind our identity signing key (extension "
          + SigningIdentity.EXTENSION_OID + ")");
    }
    return new IssuedIdentity(certificate, tls.getPrivate(), trustedCa, signing.getPrivate());
  }

  private X509Certificate parse(byte[] der, String what) {
    if (der == null || der.length == 0) {
      throw new IllegalArgumentException("the enrolment answer for '" + name + "' has no " + what);
    }
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException | ClassCastException e) {
      throw new IllegalArgumentException("the " + what + " in the enrolment answer for '" + name
          + "' is not a DER X.509 certificate (" + e.getMessage() + ")", e);
    }
  }

  @Override
  public String toString() {
    return "EnrolmentKeys[name=" + name + "]";
  }
}
