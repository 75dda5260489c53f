package io.factoryfl.core.secagg;

import java.util.Arrays;
import java.util.Objects;

/**
 * Stage 1 message: a participant's two fresh X25519 public keys for this round (raw 32-byte
 * little-endian u-coordinates, RFC 7748) - one for encrypting shares (c), one for pairwise masks
 * (s) - signed with its long-term Ed25519 identity key over job, round, model hash, its id and both
 * keys. Arrays are copied in and out.
 */
public record SignedKeys(String participant, byte[] encryptionPublicKey, byte[] maskingPublicKey, byte[] signature) {
  public SignedKeys {
    Objects.requireNonNull(participant, "participant");
    encryptionPublicKey = copyOfLength(encryptionPublicKey, 32, "encryptionPublicKey", participant);
    maskingPublicKey = copyOfLength(maskingPublicKey, 32, "maskingPublicKey", participant);
    signature = copyOfLength(signature, 64, "signature", participant);
  }

  @Override
  public byte[] encryptionPublicKey() {
    return encryptionPublicKey.clone();
  }

  @Override
  public byte[] maskingPublicKey() {
    return maskingPublicKey.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  byte[] encryptionKeyView() {
    return encryptionPublicKey;
  }

  byte[] maskingKeyView() {
    return maskingPublicKey;
  }

  byte[] signatureView() {
    return signature;
  }

  /** Same participant and same keys (the signature is not compared: Ed25519 is deterministic). */
  boolean sameKeys(SignedKeys other) {
    return participant.equals(other.participant)
        && Arrays.equals(encryptionPublicKey, other.encryptionPublicKey)
        && Arrays.equals(maskingPublicKey, other.maskingPublicKey);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedKeys other && sameKeys(other) && Arrays.equals(signature, other.signature);
  }

  @Override
  public int hashCode() {
    return Objects.hash(participant, Arrays.hashCode(encryptionPublicKey), Arrays.hashCode(maskingPublicKey));
  }

  @Override
  public String toString() {
    return "SignedKeys[" + participant + "]";
  }

  static byte[] copyOfLength(byte[] value, int length, String field, String owner) {
    Objects.requireNonNull(value, field);
    if (value.length != length) {
      throw new IllegalArgumentException(
          field + " of '" + owner + "' must be " + length + " bytes, got " + value.length);
    }
    return value.clone();
  }
}
