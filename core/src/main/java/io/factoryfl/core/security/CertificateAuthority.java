package io.factoryfl.core.security;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;

/**
 * The federation certificate authority: a self-signed ECDSA P-256 root that issues the
 * certificates every node presents in mutual TLS.
 *
 * <p>Subjects are {@code O=<federation>, OU=<role>, CN=<name>}; the CN is the identity and the
 * OU its {@link Role} (see {@link PeerIdentity#fromCertificate}). End-entity certificates may
 * serve as TLS server and client certificates. On disk the CA is {@value #CERT_FILE} and
 * {@value #KEY_FILE} (0600) in one directory.
 *
 * <p>Certificates may also bind an Ed25519 identity signing key, in the non-critical extension
 * {@value SigningIdentity#EXTENSION_OID} described in {@link SigningIdentity}: {@link #issue}
 * always makes and binds one, {@link #sign(PKCS10CertificationRequest, PublicKey, Role,
 * Duration)} binds one made at the site.
 *
 * <p>Validity starts {@link #BACKDATE} before the injected clock's "now" so that a node whose
 * clock runs a little behind the CA's still accepts a fresh certificate. Instances hold no
 * mutable state of their own and may be shared between threads.
 */
public final class CertificateAuthority {

  public static final String CERT_FILE = "ca.pem";
  public static final String KEY_FILE = "ca-key.pem";
  /** How far before "now" certificates become valid, to tolerate clock skew between sites. */
  public static final Duration BACKDATE = Duration.ofMinutes(5);

  private static final Pattern DNS_NAME = Pattern.compile(
      "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
          + "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

  private final String federationName;
  private final X509Certificate certificate;
  private final PrivateKey key;
  private final Clock clock;
  private final SecureRandom random;

  private CertificateAuthority(String federationName, X509Certificate certificate,
      PrivateKey key, Clock clock, SecureRandom random) {
    this.federationName = federationName;
    this.certificate = certificate;
    this.key = key;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
  }

  /**
   * Makes a new CA with a fresh key. Nothing is written until {@link #save}.
   *
   * @param federationName becomes the O of every subject; {@code [A-Za-z0-9._-]{1,64}}
   * @param validity how long the CA certificate is valid from now; positive
   */
  public static CertificateAuthority create(
      String federationName, Clock clock, Duration validity, SecureRandom random) {
    PeerIdentity.checkName("federation name", federationName);
    checkValidity(validity, "the CA");
    KeyPair pair = Keys.newKeyPair(random);
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, federationName)
        .addRDN(BCStyle.CN, federationName + " CA")
        .build();
    Instant now = clock.instant();
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
          serial(random), Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)),
          subject, pair.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.keyUsage, true,
              new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false,
              utils.createSubjectKeyIdentifier(pair.getPublic()));
      X509Certificate cert = signWith(builder, pair.getPrivate());
      return new CertificateAuthority(federationName, cert, pair.getPrivate(), clock, random);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot create CA for '" + federationName + "'", e);
    }
  }

  /**
   * Loads a CA saved by {@link #save}.
   *
   * @throws IOException naming the file if either is missing or damaged, the certificate is not
   *     a CA certificate, or the key does not belong to it
   */
  public static CertificateAuthority load(Path dir, Clock clock, SecureRandom random)
      throws IOException {
    Path certFile = dir.resolve(CERT_FILE);
    Path keyFile = dir.resolve(KEY_FILE);
    X509Certificate cert = Pem.readCertificate(certFile);
    PrivateKey key = Pem.readPrivateKey(keyFile);
    if (cert.getBasicConstraints() < 0) {
      throw new IOException(certFile + " is not a CA certificate (no BasicConstraints CA=true)");
    }
    try {
      Keys.requireMatching(cert, key);
    } catch (IllegalArgumentException e) {
      throw new IOException(keyFile + " does not belong to " + certFile + ": " + e.getMessage());
    }
    RDN[] o = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded())
        .getRDNs(BCStyle.O);
    if (o.length != 1) {
      throw new IOException(certFile + " has no single O (federation name) in its subject");
    }
    String federation = IETFUtils.valueToString(o[0].getFirst().getValue());
    return new CertificateAuthority(federation, cert, key, clock, random);
  }

  /**
   * Writes {@value #CERT_FILE} and {@value #KEY_FILE} (created with permissions 0600) into
   * {@code dir}, creating it if needed and replacing existing files.
   */
  public void save(Path dir) throws IOException {
    Pem.writeCertificate(dir.resolve(CERT_FILE), certificate);
    Pem.writePrivateKey(dir.resolve(KEY_FILE), key);
  }

  /** The self-signed CA certificate: the trust anchor of the federation. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** The O of every subject this CA issues. */
  public String federationName() {
    return federationName;
  }

  /**
   * Issues a certificate with a fresh TLS key pair and a fresh Ed25519 identity signing key
   * pair, binding the signing key's public half into the certificate. Intended for operators
   * who provision sites and servers directly; prefer {@link #sign} when the keys can be made at
   * the site.
   *
   * @param name the CN; {@code [A-Za-z0-9._-]{1,64}}
   * @param validity positive, and must end before the CA certificate does
   * @param dnsNames host names for the SubjectAlternativeName (servers); if one is
   *     "localhost", IP 127.0.0.1 is added too. Empty for pure clients.
   * @throws IllegalArgumentException naming the bad argument and its value
   */
  public IssuedIdentity issue(String name, Role role, Duration validity, List<String> dnsNames) {
    PeerIdentity.checkName("name", name);
    Objects.requireNonNull(role, "role");
    List<String> dns = List.copyOf(dnsNames);
    for (String host : dns) {
      if (!DNS_NAME.matcher(host).matches()) {
        throw new IllegalArgumentException("DNS name '" + host + "' for '" + name
            + "' is not a valid host name (letters, digits, '-' in dot-separated labels)");
      }
    }
    KeyPair pair = Keys.newKeyPair(random);
    KeyPair signing = Keys.newSigningKeyPair(random);
    X509Certificate cert =
        issueFor(name, role, pair.getPublic(), signing.getPublic(), validity, dns, List.of());
    return new IssuedIdentity(cert, pair.getPrivate(), certificate, signing.getPrivate());
  }

  /**
   * Issues a certificate for a key made elsewhere, so the private key never leaves the site.
   * Only the CSR's CN and public key are used; the role, validity and all extensions are the
   * CA's decision (requested extensions are ignored, so a site cannot ask to become a CA or a
   * server). The certificate has no SubjectAlternativeName and binds no identity signing key.
   *
   * @throws IllegalArgumentException if the CSR's signature is invalid, its key is not EC of at
   *     least 256 bits, or its subject lacks a single valid CN
   */
  public X509Certificate sign(PKCS10CertificationRequest csr, Role role, Duration validity) {
    Objects.requireNonNull(csr, "csr");
    return signRequest(csr, null, role, validity, List.of());
  }

  /**
   * Like {@link #sign(PKCS10CertificationRequest, Role, Duration)}, and also binds the Ed25519
   * identity signing key the site generated, so that private key never leaves the site either.
   * The CSR does not prove possession of the signing key: the enrolment channel must deliver
   * the CSR and the key together from the same authenticated site.
   *
   * @param signingKey the site's Ed25519 public key
   * @throws IllegalArgumentException as for the other overload, or if {@code signingKey} is not
   *     an Ed25519 public key
   */
  public X509Certificate sign(PKCS10CertificationRequest csr, PublicKey signingKey, Role role,
      Duration validity) {
    Objects.requireNonNull(csr, "csr");
    Objects.requireNonNull(signingKey, "signingKey");
    if (!Keys.isEd25519(signingKey)) {
      throw new IllegalArgumentException("identity signing key for certificate request '"
          + csr.getSubject() + "' is a " + Keys.describe(signingKey) + " key; expected Ed25519");
    }
    return signRequest(csr, signingKey, role, validity, List.of());
  }

  /**
   * Signs a request that arrived over the network (see {@link CertificateRequest#parse}), binding
   * its identity signing key: {@link #sign(PKCS10CertificationRequest, PublicKey, Role,
   * Duration)} for callers that hold DER bytes rather than BouncyCastle objects.
   *
   * @throws IllegalArgumentException as for that method
   */
  public X509Certificate sign(CertificateRequest request, Role role, Duration validity) {
    Objects.requireNonNull(request, "request");
    return sign(request.pkcs10(), request.signingKey(), role, validity);
  }

  /**
   * As {@link #sign(CertificateRequest, Role, Duration)} for a renewal that changes the identity
   * signing key: also records {@code continuity}, the chain of endorsements from earlier keys
   * to the new one ({@link KeyContinuity#extend}), so peers that pinned an earlier key can
   * accept the new one.
   */
  public X509Certificate sign(CertificateRequest request, Role role, Duration validity,
      List<KeyContinuity.Link> continuity) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(continuity, "continuity");
    if (!Keys.isEd25519(request.signingKey())) {
      throw new IllegalArgumentException("identity signing key for certificate request '"
          + request.pkcs10().getSubject() + "' is a " + Keys.describe(request.signingKey())
          + " key; expected Ed25519");
    }
    return signRequest(request.pkcs10(), request.signingKey(), role, validity, continuity);
  }

  /**
   * The longest validity a certificate issued now can have: until the CA certificate expires.
   * Zero or negative once it has.
   */
  public Duration remainingValidity() {
    return Duration.between(clock.instant(), certificate.getNotAfter().toInstant());
  }

  private X509Certificate signRequest(PKCS10CertificationRequest csr, PublicKey signingKey,
      Role role, Duration validity, List<KeyContinuity.Link> continuity) {
    Objects.requireNonNull(role, "role");
    try {
      PublicKey publicKey = new JcaPEMKeyConverter().getPublicKey(csr.getSubjectPublicKeyInfo());
      if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(publicKey))) {
        throw new IllegalArgumentException(
            "certificate request for '" + csr.getSubject() + "' has an invalid signature");
      }
      if (!(publicKey instanceof ECPublicKey ec)
          || ec.getParams().getCurve().getField().getFieldSize() < 256) {
        throw new IllegalArgumentException("certificate request for '" + csr.getSubject()
            + "' has a " + publicKey.getAlgorithm() + " key; expected EC P-256");
      }
      RDN[] cn = csr.getSubject().getRDNs(BCStyle.CN);
      if (cn.length != 1) {
        throw new IllegalArgumentException("certificate request subject '" + csr.getSubject()
            + "' must have exactly one CN (the identity name), found " + cn.length);
      }
      String name = PeerIdentity.checkName("CN of the certificate request",
          IETFUtils.valueToString(cn[0].getFirst().getValue()));
      return issueFor(name, role, publicKey, signingKey, validity, List.of(), continuity);
    } catch (IOException | OperatorCreationException
        | PKCSException e) {
      throw new IllegalArgumentException(
          "cannot read certificate request for '" + csr.getSubject() + "': " + e.getMessage(), e);
    }
  }

  private X509Certificate issueFor(String name, Role role, PublicKey publicKey,
      PublicKey signingKey, Duration validity, List<String> dns,
      List<KeyContinuity.Link> continuity) {
    checkValidity(validity, "'" + name + "'");
    Instant now = clock.instant();
    Instant notAfter = now.plus(validity);
    if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
      throw new IllegalArgumentException("validity " + validity + " for '" + name
          + "' would end at " + notAfter + ", after the CA certificate expires at "
          + certificate.getNotAfter().toInstant() + "; choose a shorter validity or renew the CA");
    }
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, federationName)
        .addRDN(BCStyle.OU, role.wireName())
        .addRDN(BCStyle.CN, name)
        .build();
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate,
          serial(random), Date.from(now.minus(BACKDATE)), Date.from(notAfter), subject, publicKey)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
          .addExtension(Extension.subjectKeyIdentifier, false,
              utils.createSubjectKeyIdentifier(publicKey))
          .addExtension(Extension.authorityKeyIdentifier, false,
              utils.createAuthorityKeyIdentifier(certificate));
      if (!dns.isEmpty()) {
        builder.addExtension(Extension.subjectAlternativeName, false, altNames(dns));
      }
      if (signingKey != null) {
        builder.addExtension(SigningIdentity.EXTENSION, false,
            SigningIdentity.extensionValue(signingKey));
      }
      if (!continuity.isEmpty()) {
        builder.addExtension(KeyContinuity.EXTENSION, false,
            KeyContinuity.extensionValue(continuity));
      }
      return signWith(builder, key);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue certificate for '" + name + "'", e);
    }
  }

  /**
   * Signs a statement of the CA other than a certificate (a {@link SignedRevocationList}) with
   * the CA key, SHA256withECDSA. Package-private: callers in this package only sign JSON they
   * built, which starts with '{' and so can never be mistaken for the DER of a certificate.
   */
  byte[] signStatement(byte[] statement) {
    try {
      java.security.Signature signer = java.security.Signature.getInstance(
          Keys.SIGNATURE_ALGORITHM);
      signer.initSign(key, random);
      signer.update(statement);
      return signer.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the CA cannot sign with its key: " + e.getMessage(), e);
    }
  }

  /** The CA's clock: what "now" is for the certificates and lists it signs. */
  Clock clock() {
    return clock;
  }

  private static GeneralNames altNames(List<String> dns) {
    List<GeneralName> names = new ArrayList<>();
    for (String host : dns) {
      names.add(new GeneralName(GeneralName.dNSName, host));
    }
    if (dns.stream().anyMatch(h -> h.toLowerCase(Locale.ROOT).equals("localhost"))) {
      names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
    }
    return new GeneralNames(names.toArray(GeneralName[]::new));
  }

  private static X509Certificate signWith(X509v3CertificateBuilder builder, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder(Keys.SIGNATURE_ALGORITHM).build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }

  /** A positive random serial of at most 159 bits, within RFC 5280's 20 octets. */
  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(159, random).setBit(0);
  }

  private static void checkValidity(Duration validity, String whose) {
    if (validity == null || validity.isNegative() || validity.isZero()) {
      throw new IllegalArgumentException(
          "validity for " + whose + " must be positive, got " + validity);
    }
  }

  @Override
  public String toString() {
    return "CertificateAuthority[" + certificate.getSubjectX500Principal() + ", notAfter="
        + certificate.getNotAfter().toInstant() + "]";
  }
}
