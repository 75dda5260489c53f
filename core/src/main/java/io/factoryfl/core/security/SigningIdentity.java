package io.factoryfl.core.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * A node's long-term Ed25519 identity signing key together with the certificate that binds it
 * to the node's name. Participants sign their per-round secure-aggregation key advertisements
 * with it; peers check the signature against the key in the signer's certificate after
 * checking that certificate against the federation CA ({@link #verifiedSigningKey}), so the
 * coordinator, which relays the messages, cannot forge or swap them.
 *
 * <p><b>The binding.</b> The CA writes the Ed25519 public key into the node's X.509 TLS
 * certificate as a non-critical extension with OID {@value #EXTENSION_OID}. The OID is in the
 * {@code 2.25} arc (ITU-T X.667: a UUID read as an unsigned integer) and was derived from the
 * fixed UUID {@code 9e44ae14-9332-4dcd-8dba-35fde25b48c9}; it must never change, or every
 * issued certificate loses its signing key. The extension value (the contents of extnValue) is
 * the DER {@code SubjectPublicKeyInfo} of the key, algorithm {@code id-Ed25519}
 * (1.3.101.112). The TLS key itself stays ECDSA P-256; the two keys are independent.
 *
 * <p><b>On disk</b> the private key is {@code <base>}{@value IssuedIdentity#SIGNING_KEY_SUFFIX}
 * next to the certificate {@code <base>.pem}: unencrypted PKCS#8, created with mode 0600 (see
 * {@link IssuedIdentity#writeTo}).
 *
 * <p>Instances are immutable and thread-safe; {@link #toString()} never shows the key.
 */
public final class SigningIdentity {

  /** The OID of the certificate extension that carries the Ed25519 identity signing key. */
  public static final String EXTENSION_OID = "2.25.210374630289786472022214815071258495177";

  static final ASN1ObjectIdentifier EXTENSION = new ASN1ObjectIdentifier(EXTENSION_OID);

  private static final byte[] PROBE =
      "factoryfl signing key/certificate match probe".getBytes(StandardCharsets.US_ASCII);

  private final byte[] certificateDer;
  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final String name;

  private SigningIdentity(X509Certificate certificate, PrivateKey privateKey) {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(privateKey, "privateKey");
    this.name = PeerIdentity.fromCertificate(certificate).name();
    PublicKey bound = signingKeyOf(certificate);
    if (bound == null) {
      throw new IllegalArgumentException("the certificate for '" + name
          + "' has no identity signing key (extension " + EXTENSION_OID + "); it was issued"
          + " without one: issue a new certificate with 'ca issue'");
    }
    if (!Keys.isEd25519(privateKey)) {
      throw new IllegalArgumentException("the signing key for '" + name + "' is a "
          + Keys.describe(privateKey) + " key; expected Ed25519");
    }
    if (!verify(bound, PROBE, sign(privateKey, PROBE))) {
      throw new IllegalArgumentException("the signing key is not the private half of the"
          + " identity signing key in the certificate for '" + name + "'");
    }
    try {
      this.certificateDer = certificate.getEncoded();
    } catch (CertificateException e) {
      throw new IllegalArgumentException(
          "cannot encode the certificate for '" + name + "': " + e.getMessage(), e);
    }
    this.privateKey = privateKey;
    this.publicKey = bound;
  }

  /**
   * Loads a certificate (the first in the PEM file) and the Ed25519 private key that belongs
   * to the signing key bound into it.
   *
   * @throws IOException naming the file when one is missing or damaged, or naming both files
   *     when the certificate carries no signing key or the private key does not match it
   */
  public static SigningIdentity load(Path certificatePem, Path signingKeyPem)
      throws IOException {
    X509Certificate certificate = Pem.readCertificate(certificatePem);
    PrivateKey key = Pem.readPrivateKey(signingKeyPem);
    try {
      return new SigningIdentity(certificate, key);
    } catch (IllegalArgumentException e) {
      throw new IOException("signing key " + signingKeyPem + " does not fit certificate "
          + certificatePem + ": " + e.getMessage(), e);
    }
  }

  /**
   * The signing identity of a freshly issued identity.
   *
   * @throws IllegalArgumentException if it was issued without a signing key
   */
  public static SigningIdentity of(IssuedIdentity identity) {
    if (identity.signingKey() == null) {
      throw new IllegalArgumentException(identity + " has no identity signing key; only"
          + " CertificateAuthority.issue and sign(csr, signingKey, ...) bind one");
    }
    return new SigningIdentity(identity.certificate(), identity.signingKey());
  }

  /**
   * Checks a certificate another node presented and returns the identity signing key it binds.
   * Use the returned key with {@link #verify} for messages claimed to come from
   * {@code expectedName}.
   *
   * @param certificateDer the DER X.509 certificate, as sent by the peer (via the coordinator)
   * @param ca the federation CA certificate, the only issuer accepted
   * @param expectedName who the message claims to be from; must equal the certificate's CN
   * @param clock the certificate must be valid at {@code clock.instant()}
   * @return the Ed25519 public key from the certificate's extension {@value #EXTENSION_OID}
   * @throws IllegalArgumentException saying why the certificate was refused: not a
   *     certificate, not signed by the federation CA, expired or not yet valid, issued to
   *     another name, not a participant certificate, or carrying no identity signing key
   */
  public static PublicKey verifiedSigningKey(
      byte[] certificateDer, X509Certificate ca, String expectedName, Clock clock) {
    return verifiedSigningKey(certificateDer, ca, expectedName, Role.PARTICIPANT, clock);
  }

  /**
   * Like {@link #verifiedSigningKey(byte[], X509Certificate, String, Clock)}, for a signer of
   * any role: the coordinator signs the audit ledger and receipts with a {@link
   * Role#COORDINATOR} certificate.
   *
   * @param expectedRole the role the certificate must carry
   * @throws IllegalArgumentException as the participant variant, with "not a participant
   *     certificate" replaced by the expected role
   */
  public static PublicKey verifiedSigningKey(byte[] certificateDer, X509Certificate ca,
      String expectedName, Role expectedRole, Clock clock) {
    Objects.requireNonNull(expectedRole, "expectedRole");
    Objects.requireNonNull(certificateDer, "certificateDer");
    Objects.requireNonNull(ca, "ca");
    Objects.requireNonNull(expectedName, "expectedName");
    Objects.requireNonNull(clock, "clock");
    X509Certificate certificate;
    try {
      certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(certificateDer));
    } catch (CertificateException | ClassCastException e) {
      throw rejected(expectedName, "it is not a DER X.509 certificate (" + e.getMessage() + ")");
    }
    if (!certificate.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
      throw rejected(expectedName, "it is not signed by the federation CA '"
          + ca.getSubjectX500Principal() + "' (its issuer is '"
          + certificate.getIssuerX500Principal() + "')");
    }
    if (!signedBy(certificate, ca)) {
      throw rejected(expectedName, "it is not signed by the federation CA '"
          + ca.getSubjectX500Principal() + "' (its issuer has that name, but its signature"
          + " does not verify with the CA's key)");
    }
    Instant now = clock.instant();
    try {
      certificate.checkValidity(Date.from(now));
    } catch (CertificateExpiredException e) {
      throw rejected(expectedName, "it expired at " + certificate.getNotAfter().toInstant()
          + " (now " + now + ")");
    } catch (CertificateNotYetValidException e) {
      throw rejected(expectedName, "it is not valid before "
          + certificate.getNotBefore().toInstant() + " (now " + now + ")");
    }
    PeerIdentity holder;
    try {
      holder = PeerIdentity.fromCertificate(certificate);
    } catch (IllegalArgumentException e) {
      throw rejected(expectedName, e.getMessage());
    }
    if (!holder.name().equals(expectedName)) {
      throw rejected(expectedName,
          "it was issued to '" + holder.name() + "', not '" + expectedName + "'");
    }
    if (holder.role() != expectedRole) {
      throw rejected(expectedName, "it is a " + holder.role().wireName()
          + " certificate, not a " + expectedRole.wireName() + " certificate");
    }
    PublicKey key;
    try {
      key = signingKeyOf(certificate);
    } catch (IllegalArgumentException e) {
      throw rejected(expectedName, e.getMessage());
    }
    if (key == null) {
      throw rejected(expectedName,
          "it has no identity signing key (extension " + EXTENSION_OID + ")");
    }
    return key;
  }

  /**
   * Signs {@code message} with pure Ed25519 (RFC 8032).
   *
   * @throws IllegalArgumentException if the key is not an Ed25519 private key
   */
  public static byte[] sign(PrivateKey key, byte[] message) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(message, "message");
    try {
      Signature signer = Signature.getInstance(Keys.SIGNING_ALGORITHM);
      signer.initSign(key);
      signer.update(message);
      return signer.sign();
    } catch (InvalidKeyException e) {
      throw new IllegalArgumentException("cannot sign with a " + Keys.describe(key)
          + " key; expected an Ed25519 identity signing key", e);
    } catch (SignatureException e) {
      throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM cannot make Ed25519 signatures", e);
    }
  }

  /**
   * Whether {@code signature} is a valid Ed25519 signature of {@code message} by {@code key}.
   * A malformed signature is simply not valid.
   *
   * @throws IllegalArgumentException if the key is not an Ed25519 public key
   */
  public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(signature, "signature");
    try {
      Signature verifier = Signature.getInstance(Keys.SIGNING_ALGORITHM);
      verifier.initVerify(key);
      verifier.update(message);
      return verifier.verify(signature);
    } catch (InvalidKeyException e) {
      throw new IllegalArgumentException("cannot verify with a " + Keys.describe(key)
          + " key; expected an Ed25519 identity signing key", e);
    } catch (SignatureException e) {
      return false;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM cannot verify Ed25519 signatures", e);
    }
  }

  /** The Ed25519 private key. Never log it. */
  public PrivateKey privateKey() {
    return privateKey;
  }

  /** The Ed25519 public key bound into the certificate. */
  public PublicKey publicKey() {
    return publicKey;
  }

  /** The CN of the certificate: whose key this is. */
  public String name() {
    return name;
  }

  /** The DER certificate to send to peers; a fresh copy on each call. */
  public byte[] certificateDer() {
    return certificateDer.clone();
  }

  /**
   * The extension value that binds {@code signingKey}: its DER SubjectPublicKeyInfo.
   *
   * @throws IllegalArgumentException if the key is not an Ed25519 public key
   */
  static SubjectPublicKeyInfo extensionValue(PublicKey signingKey) {
    if (!Keys.isEd25519(signingKey)) {
      throw new IllegalArgumentException("identity signing key is a "
          + Keys.describe(signingKey) + " key; expected Ed25519");
    }
    return SubjectPublicKeyInfo.getInstance(signingKey.getEncoded());
  }

  /**
   * The identity signing key bound into {@code certificate}, or null if it has none. Does not
   * check who signed the certificate.
   *
   * @throws IllegalArgumentException if the extension is present but holds no Ed25519 key
   */
  public static PublicKey signingKeyOf(X509Certificate certificate) {
    byte[] extension = certificate.getExtensionValue(EXTENSION_OID);
    if (extension == null) {
      return null;
    }
    SubjectPublicKeyInfo info;
    try {
      info = SubjectPublicKeyInfo.getInstance(ASN1OctetString.getInstance(extension).getOctets());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("its identity signing key extension " + EXTENSION_OID
          + " does not hold a DER SubjectPublicKeyInfo: " + e.getMessage(), e);
    }
    ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
    if (!algorithm.equals(EdECObjectIdentifiers.id_Ed25519)) {
      throw new IllegalArgumentException("its identity signing key extension " + EXTENSION_OID
          + " holds a key of algorithm " + algorithm + "; expected Ed25519 ("
          + EdECObjectIdentifiers.id_Ed25519 + ")");
    }
    try {
      return KeyFactory.getInstance(Keys.SIGNING_ALGORITHM)
          .generatePublic(new X509EncodedKeySpec(info.getEncoded()));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("its identity signing key extension " + EXTENSION_OID
          + " holds a damaged Ed25519 key: " + e.getMessage(), e);
    }
  }

  private static boolean signedBy(X509Certificate certificate, X509Certificate ca) {
    try {
      certificate.verify(ca.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static IllegalArgumentException rejected(String expectedName, String why) {
    return new IllegalArgumentException(
        "certificate presented for '" + expectedName + "' rejected: " + why);
  }

  @Override
  public String toString() {
    return "SigningIdentity[name=" + name + ", extension=" + EXTENSION_OID + "]";
  }
}
