package io.factoryfl.core.params;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reassembles a vector of known length of 32-bit little-endian words from wire chunks, hashing as
 * it goes. The words are float32 parameters ({@link #values()}, with the first non-finite one
 * noted) or, for a secure-aggregation masked input, uint32 words mod 2^32 ({@link #words()}).
 * Chunks may split a word across a boundary; the assembler handles that too.
 */
public final class ParameterAssembler {
  private final int[] words;
  private final ContentHash hash = new ContentHash();
  private final ByteBuffer carry = ByteBuffer.allocate(Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
  private int filled;
  private long firstNonFinite = -1;

  /**
   * @param expectedLength the number of float32 values the sender announced
   * @throws IllegalArgumentException if the length is negative or too large for one array
   */
  public ParameterAssembler(long expectedLength) {
    if (expectedLength < 0 || expectedLength > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "num_parameters must be between 0 and " + (Integer.MAX_VALUE - 8) + ", got " + expectedLength);
    }
    words = new int[(int) expectedLength];
  }

  /**
   * Appends one chunk.
   *
   * @throws IllegalArgumentException if the chunk is larger than the wire limit or brings more
   *     values than announced
   */
  public void append(byte[] chunk) {
    if (chunk.length > ParameterCodec.MAX_CHUNK_BYTES) {
      throw new IllegalArgumentException(
          "chunk of " + chunk.length + " bytes exceeds the limit of " + ParameterCodec.MAX_CHUNK_BYTES);
    }
    hash.update(chunk);
    ByteBuffer in = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
    while (in.hasRemaining()) {
      if (carry.position() > 0 || in.remaining() < Float.BYTES) {
        while (carry.hasRemaining() && in.hasRemaining()) {
          carry.put(in.get());
        }
        if (!carry.hasRemaining()) {
          carry.flip();
          put(carry.getInt());
          carry.clear();
        }
      } else {
        put(in.getInt());
      }
    }
  }

  private void put(int word) {
    if (filled == words.length) {
      throw new IllegalArgumentException(
          "update carries more than the announced " + words.length + " parameters");
    }
    if (firstNonFinite < 0 && (word & FLOAT_EXPONENT) == FLOAT_EXPONENT) {
      firstNonFinite = filled;
    }
    words[filled++] = word;
  }

  /** All exponent bits set: the float is NaN or infinite. */
  private static final int FLOAT_EXPONENT = 0x7f800000;

  public long received() {
    return filled;
  }

  /** Index of the first NaN or infinite value, or -1 if all values so far are finite. */
  public long firstNonFiniteIndex() {
    return firstNonFinite;
  }

  public boolean complete() {
    return filled == words.length && carry.position() == 0;
  }

  /** Hex SHA-256 of all bytes appended; call once, after the last chunk. */
  public String finishHash() {
    return hash.hex();
  }

  /** The words read as float32 values (a new array each call). */
  public float[] values() {
    float[] values = new float[words.length];
    for (int i = 0; i < words.length; i++) {
      values[i] = Float.intBitsToFloat(words[i]);
    }
    return values;
  }

  /** The raw words (not copied: the assembler is single-use). */
  public int[] words() {
    return words;
  }
}
