package io.factoryfl.core.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.EdECKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.NamedParameterSpec;

/**
 * Key generation and key checks shared by the CA, the TLS material and the identity signing
 * keys. JDK provider only.
 */
final class Keys {

  /** Every federation key is ECDSA over NIST P-256 (secp256r1). */
  static final String CURVE = "secp256r1";
  static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
  /** Identity signing keys (see {@link SigningIdentity}) are Ed25519, signing with pure EdDSA. */
  static final String SIGNING_ALGORITHM = "Ed25519";

  private static final byte[] PROBE =
      "factoryfl key/certificate match probe".getBytes(StandardCharsets.US_ASCII);

  private Keys() {}

  static KeyPair newKeyPair(SecureRandom random) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec(CURVE), random);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot generate " + CURVE + " EC keys", e);
    }
  }

  /** A fresh Ed25519 key pair for a {@link SigningIdentity}. */
  static KeyPair newSigningKeyPair(SecureRandom random) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(SIGNING_ALGORITHM);
      generator.initialize(NamedParameterSpec.ED25519, random);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot generate Ed25519 keys", e);
    }
  }

  /**
   * Whether {@code key} is an Ed25519 key. The JDK reports its EdDSA keys as algorithm "EdDSA"
   * with the curve in the parameters; other providers name the curve as the algorithm.
   */
  static boolean isEd25519(Key key) {
    if (key instanceof EdECKey ed) {
      return ed.getParams().getName().equalsIgnoreCase(SIGNING_ALGORITHM);
    }
    return key != null && key.getAlgorithm().equalsIgnoreCase(SIGNING_ALGORITHM);
  }

  /** A short description of a key's type for messages, e.g. "EC" or "Ed448"; never key bytes. */
  static String describe(Key key) {
    if (key instanceof EdECKey ed) {
      return ed.getParams().getName();
    }
    return key == null ? "missing" : key.getAlgorithm();
  }

  /**
   * Checks that {@code key} is the private half of the certificate's public key by signing a
   * probe and verifying it, which works for any key type the JDK can sign with.
   *
   * @throws IllegalArgumentException naming the certificate subject if they do not match
   */
  static void requireMatching(X509Certificate certificate, PrivateKey key) {
    PublicKey publicKey = certificate.getPublicKey();
    if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
      throw mismatch(certificate, key.getAlgorithm() + " private key for a "
          + publicKey.getAlgorithm() + " certificate");
    }
    try {
      String algorithm = signatureAlgorithm(key);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(PROBE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(PROBE);
      if (!verifier.verify(signature)) {
        throw mismatch(certificate, "the private key belongs to a different certificate");
      }
    } catch (GeneralSecurityException e) {
      throw mismatch(certificate, e.getMessage());
    }
  }

  private static String signatureAlgorithm(PrivateKey key) {
    return switch (key.getAlgorithm()) {
      case "EC" -> SIGNATURE_ALGORITHM;
      case "RSA" -> "SHA256withRSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> throw new IllegalArgumentException(
          "unsupported private key algorithm " + key.getAlgorithm() + "; expected EC");
    };
  }

  private static IllegalArgumentException mismatch(X509Certificate certificate, String why) {
    return new IllegalArgumentException("private key does not match the certificate for '"
        + certificate.getSubjectX500Principal() + "': " + why);
  }
}
