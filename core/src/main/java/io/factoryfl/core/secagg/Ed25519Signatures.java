package io.factoryfl.core.secagg;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Arrays;

/**
 * Ed25519 (pure EdDSA, RFC 8032) for the key advertisement and the consistency check. Signing goes
 * through the JCA with whatever provider holds the identity key (it may not be extractable).
 * Verification of a standard X.509-encoded Ed25519 key uses BouncyCastle's RFC 8032 implementation
 * on the raw key: a participant verifies about 2k signatures per round, and measured warm on the
 * benchmark machine the JDK 17 provider takes 0.65-1.3 ms per verification against 0.07-0.16 ms -
 * with k = 51 the JDK alone would cost a participant about 90 ms a round. Any other key encoding
 * falls back to the JCA.
 */
final class Ed25519Signatures {
  /** SubjectPublicKeyInfo prefix of an Ed25519 key (OID 1.3.101.112), followed by 32 raw bytes. */
  private static final byte[] X509_PREFIX = {
      0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

  private Ed25519Signatures() {}

  static byte[] sign(PrivateKey key, byte[] message) {
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(key);
      signature.update(message);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new SecAggException("cannot sign with the identity key (is it an Ed25519 key?): " + e.getMessage(), e);
    }
  }

  /** Whether {@code signature} is a valid Ed25519 signature of {@code message} under {@code key}. */
  static boolean verify(PublicKey key, byte[] message, byte[] signature) {
    if (signature.length != 64) {
      return false;
    }
    byte[] raw = rawKey(key);
    if (raw != null) {
      return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(signature, 0, raw, 0, message, 0, message.length);
    }
    try {
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(key);
      verifier.update(message);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static byte[] rawKey(PublicKey key) {
    byte[] encoded = "X.509".equals(key.getFormat()) ? key.getEncoded() : null;
    if (encoded == null || encoded.length != X509_PREFIX.length + 32
        || !Arrays.equals(encoded, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
      return null;
    }
    return Arrays.copyOfRange(encoded, X509_PREFIX.length, encoded.length);
  }
}
