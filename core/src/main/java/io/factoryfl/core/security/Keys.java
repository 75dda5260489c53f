package io.factoryfl.core.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;

/** Key generation and key checks shared by the CA and the TLS material. JDK provider only. */
final class Keys {

  /** Every federation key is ECDSA over NIST P-256 (secp256r1). */
  static final String CURVE = "secp256r1";
  static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";

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
