package io.factoryfl.core.security;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * What one node needs for mutual TLS: its own certificate chain and private key, and the
 * federation CA certificate(s) it trusts. The trust anchors are the federation CA only, never
 * the JVM's public CA list, so a certificate from any other issuer is refused.
 *
 * <p>Construction checks that the private key belongs to the leaf certificate, that the leaf
 * names a valid {@link PeerIdentity}, and that it was signed by one of the trusted CAs, so a
 * misassembled set of files fails here with a message instead of in a later handshake.
 * Instances are immutable; {@link #toString()} never shows the key.
 */
public final class TlsMaterial {

  // The key store only lives in memory for the key manager, so its password protects nothing.
  private static final char[] IN_MEMORY_PASSWORD = "in-memory".toCharArray();
  /**
   * How the key is wrapped inside the in-memory key store the key manager reads: one PBE
   * iteration. The store never leaves this process, which holds the key itself anyway, so the
   * default 10,000 PBKDF2 iterations bought nothing and cost ~10 ms per channel (a simulation of
   * 10,000 sites spent minutes in them).
   */
  private static final KeyStore.PasswordProtection IN_MEMORY_PROTECTION = new KeyStore.PasswordProtection(
      IN_MEMORY_PASSWORD, "PBEWithHmacSHA256AndAES_256",
      new javax.crypto.spec.PBEParameterSpec(randomBytes(16), 1, new javax.crypto.spec.IvParameterSpec(randomBytes(16))));

  private final List<X509Certificate> chain;
  private final PrivateKey privateKey;
  private final List<X509Certificate> trusted;
  private final PeerIdentity self;

  private TlsMaterial(
      List<X509Certificate> chain, PrivateKey privateKey, List<X509Certificate> trusted) {
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("certificate chain is empty");
    }
    if (trusted.isEmpty()) {
      throw new IllegalArgumentException("no trusted CA certificate");
    }
    this.chain = List.copyOf(chain);
    this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
    this.trusted = List.copyOf(trusted);
    X509Certificate leaf = this.chain.get(0);
    Keys.requireMatching(leaf, privateKey);
    this.self = PeerIdentity.fromCertificate(leaf);
    X509Certificate issuer = this.chain.size() > 1 ? this.chain.get(this.chain.size() - 1) : leaf;
    if (this.trusted.stream().noneMatch(ca -> signedBy(issuer, ca))) {
      throw new IllegalArgumentException(
          CertificateProblems.notFromTrustedCa(issuer, this.trusted));
    }
  }

  /**
   * Loads PEM files: our certificate (optionally followed by intermediates), our private key,
   * and the trusted CA certificate(s).
   *
   * @throws IOException naming the file when one is missing or damaged, or naming all three
   *     when they do not fit together
   */
  public static TlsMaterial load(Path certPem, Path keyPem, Path caPem) throws IOException {
    List<X509Certificate> chain = Pem.readCertificates(certPem);
    PrivateKey key = Pem.readPrivateKey(keyPem);
    List<X509Certificate> cas = Pem.readCertificates(caPem);
    try {
      return new TlsMaterial(chain, key, cas);
    } catch (IllegalArgumentException e) {
      throw new IOException("TLS files do not fit together (certificate " + certPem + ", key "
          + keyPem + ", CA " + caPem + "): " + e.getMessage(), e);
    }
  }

  /** The material for a freshly issued identity, trusting the CA that issued it. */
  public static TlsMaterial of(IssuedIdentity identity) {
    return new TlsMaterial(List.of(identity.certificate()), identity.privateKey(),
        List.of(identity.caCertificate()));
  }

  /** Who we are, according to our own certificate. */
  public PeerIdentity self() {
    return self;
  }

  /**
   * What makes our own certificate unusable at {@code now} (expired, or not yet valid), worded
   * with what to do, or empty if it is usable. Whether it chains to a trusted CA was already
   * checked when this was made. Dialling with an unusable certificate would only fail later in
   * the handshake with a vaguer message, so nodes check this first.
   */
  public Optional<String> problemAt(Instant now) {
    return CertificateProblems.ofOwn(chain.get(0), trusted, now);
  }

  /** Our certificate first, then any intermediates. */
  public List<X509Certificate> certificateChain() {
    return chain;
  }

  /** The CA certificates we accept peers from. */
  public List<X509Certificate> trustedCertificates() {
    return trusted;
  }

  /**
   * A new key manager factory that presents our chain and key. The chain ends with the
   * federation CA that issued it, so an enrolling site holding only the CA's fingerprint (from its
   * token) can recognise the coordinator's CA during the handshake.
   */
  public KeyManagerFactory keyManagerFactory() {
    try {
      KeyStore store = emptyStore();
      List<X509Certificate> presented = new java.util.ArrayList<>(chain);
      X509Certificate last = presented.get(presented.size() - 1);
      for (X509Certificate ca : trusted) {
        if (!last.equals(ca) && signedBy(last, ca)) {
          presented.add(ca);
          break;
        }
      }
      store.setEntry("self", new KeyStore.PrivateKeyEntry(privateKey, presented.toArray(X509Certificate[]::new)),
          IN_MEMORY_PROTECTION);
      KeyManagerFactory factory =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      factory.init(store, IN_MEMORY_PASSWORD);
      return factory;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build key manager for " + self, e);
    }
  }

  /**
   * A new PKIX trust manager factory whose only trust anchors are the federation CA(s). A
   * refused peer certificate is an {@link ExplainedCertificateException} naming the cause.
   */
  public TrustManagerFactory trustManagerFactory() {
    return trustOnly(trusted);
  }

  /**
   * A new PKIX trust manager factory whose only trust anchors are {@code cas}, for a node that
   * has no certificate of its own yet (an enrolling site verifying the coordinator).
   *
   * @throws IllegalArgumentException if {@code cas} is empty
   */
  public static TrustManagerFactory trustOnly(List<X509Certificate> cas) {
    if (cas.isEmpty()) {
      throw new IllegalArgumentException("no trusted CA certificate");
    }
    try {
      KeyStore store = emptyStore();
      for (int i = 0; i < cas.size(); i++) {
        store.setCertificateEntry("ca-" + i, cas.get(i));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(store);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509ExtendedTrustManager pkix) {
          // the JDK checks validity against the system time, so the explanation uses it too
          return ExplainingTrustManager.factoryOf(
              new ExplainingTrustManager(pkix, cas, Clock.systemUTC()));
        }
      }
      return factory;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a trust manager for " + cas.stream()
          .map(c -> c.getSubjectX500Principal().toString()).toList(), e);
    }
  }

  private static byte[] randomBytes(int count) {
    byte[] bytes = new byte[count];
    new java.security.SecureRandom().nextBytes(bytes);
    return bytes;
  }

  private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    return store;
  }

  private static boolean signedBy(X509Certificate certificate, X509Certificate ca) {
    if (!certificate.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
      return false;
    }
    try {
      certificate.verify(ca.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "TlsMaterial[self=" + self + ", trusted=" + trusted.stream()
        .map(c -> c.getSubjectX500Principal().toString()).toList() + "]";
  }
}
