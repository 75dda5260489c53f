package io.factoryfl.core.params;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Incremental SHA-256 over content that arrives in pieces (model chunks), with the hex form used on
 * the wire and as the identity of a model version.
 */
public final class ContentHash {
  private final MessageDigest digest;

  public ContentHash() {
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK provides no SHA-256", e);
    }
  }

  public ContentHash update(byte[] bytes) {
    digest.update(bytes);
    return this;
  }

  public ContentHash update(byte[] bytes, int offset, int length) {
    digest.update(bytes, offset, length);
    return this;
  }

  /** Finishes the hash and returns it as 64 lower-case hex digits. */
  /** Hashes the buffer's remaining bytes and consumes them. */
  public ContentHash update(java.nio.ByteBuffer bytes) {
    digest.update(bytes);
    return this;
  }

  public String hex() {
    return HexFormat.of().formatHex(digest.digest());
  }

  public static String of(byte[] bytes) {
    return new ContentHash().update(bytes).hex();
  }

  /** Compares two hex hashes in constant time, so a mismatch leaks no prefix length. */
  public static boolean matches(String expectedHex, String actualHex) {
    return MessageDigest.isEqual(
        expectedHex.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        actualHex.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }
}
