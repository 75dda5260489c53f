package io.factoryfl.core.security;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Objects;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;

/**
 * A certificate request as it arrives from an enrolling site: a DER PKCS#10 request for its
 * TLS key and the DER public half of its Ed25519 identity signing key, checked on arrival so
 * that a bad request is refused before anything (such as an enrolment token) is spent on it.
 * Sign it with {@link CertificateAuthority#sign(CertificateRequest, Role, Duration)}.
 *
 * <p>The PKCS#10 signature proves possession of the TLS key only; possession of the signing
 * key rests on both arriving together on one enrolment call (see
 * {@link CertificateAuthority#sign(PKCS10CertificationRequest, PublicKey, Role,
 * java.time.Duration)}).
 */
public final class CertificateRequest {

  private final PKCS10CertificationRequest csr;
  private final PublicKey signingKey;
  private final String name;

  private CertificateRequest(PKCS10CertificationRequest csr, PublicKey signingKey, String name) {
    this.csr = csr;
    this.signingKey = signingKey;
    this.name = name;
  }

  /**
   * Parses and checks a request.
   *
   * @param csrDer DER PKCS#10, signed by its EC P-256 key, subject with exactly one valid CN
   * @param signingPublicKeyDer DER SubjectPublicKeyInfo of an Ed25519 key
   * @throws IllegalArgumentException saying which part is wrong and how
   */
  public static CertificateRequest parse(byte[] csrDer, byte[] signingPublicKeyDer) {
    Objects.requireNonNull(csrDer, "csrDer");
    Objects.requireNonNull(signingPublicKeyDer, "signingPublicKeyDer");
    if (csrDer.length == 0) {
      throw new IllegalArgumentException("the certificate request is empty");
    }
    PKCS10CertificationRequest csr;
    try {
      csr = new PKCS10CertificationRequest(csrDer);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "the certificate request is not DER PKCS#10 (" + e.getMessage() + ")", e);
    }
    RDN[] cn = csr.getSubject().getRDNs(BCStyle.CN);
    if (cn.length != 1 || cn[0].isMultiValued()) {
      throw new IllegalArgumentException("certificate request subject '" + csr.getSubject()
          + "' must have exactly one CN (the identity name), found " + cn.length);
    }
    String name = PeerIdentity.checkName("CN of the certificate request",
        IETFUtils.valueToString(cn[0].getFirst().getValue()));
    PublicKey tlsKey;
    boolean signed;
    try {
      tlsKey = new JcaPEMKeyConverter().getPublicKey(csr.getSubjectPublicKeyInfo());
      signed = csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(tlsKey));
    } catch (IOException | OperatorCreationException | PKCSException | RuntimeException e) {
      throw new IllegalArgumentException("cannot check the certificate request for '" + name
          + "': " + e.getMessage(), e);
    }
    if (!signed) {
      throw new IllegalArgumentException(
          "certificate request for '" + name + "' has an invalid signature");
    }
    if (!(tlsKey instanceof ECPublicKey ec)
        || ec.getParams().getCurve().getField().getFieldSize() < 256) {
      throw new IllegalArgumentException("certificate request for '" + name + "' has a "
          + tlsKey.getAlgorithm() + " key; expected EC P-256");
    }
    PublicKey signingKey;
    try {
      signingKey = KeyFactory.getInstance(Keys.SIGNING_ALGORITHM)
          .generatePublic(new X509EncodedKeySpec(signingPublicKeyDer));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("the identity signing key for '" + name
          + "' is not a DER Ed25519 public key (" + e.getMessage() + ")", e);
    }
    if (!Keys.isEd25519(signingKey)) {
      throw new IllegalArgumentException("the identity signing key for '" + name + "' is a "
          + Keys.describe(signingKey) + " key; expected Ed25519");
    }
    return new CertificateRequest(csr, signingKey, name);
  }

  /** The CN the request asks for. */
  public String name() {
    return name;
  }

  /** The site's Ed25519 identity signing key, to be bound into the certificate. */
  public PublicKey signingKey() {
    return signingKey;
  }

  PKCS10CertificationRequest pkcs10() {
    return csr;
  }

  @Override
  public String toString() {
    return "CertificateRequest[" + csr.getSubject() + "]";
  }
}
