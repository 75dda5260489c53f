package io.factoryfl.core.params;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reassembles a parameter vector of known length from wire chunks, hashing as it goes, and checking
 * that every value is finite. Chunks may split a float across a boundary only if they are not
 * multiples of four bytes; the assembler handles that too.
 */
public final class ParameterAssembler {
  private final float[] values;
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
    values = new float[(int) expectedLength];
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
          put(carry.getFloat());
          carry.clear();
        }
      } else {
        put(in.getFloat());
      }
    }
  }

  private void put(float value) {
    if (filled == values.length) {
      throw new IllegalArgumentException(
          "update carries more than the announced " + values.length + " parameters");
    }
    if (firstNonFinite < 0 && !Float.isFinite(value)) {
      firstNonFinite = filled;
    }
    values[filled++] = value;
  }

  public long received() {
    return filled;
  }

  /** Index of the first NaN or infinite value, or -1 if all values so far are finite. */
  public long firstNonFiniteIndex() {
    return firstNonFinite;
  }

  public boolean complete() {
    return filled == values.length && carry.position() == 0;
  }

  /** Hex SHA-256 of all bytes appended; call once, after the last chunk. */
  public String finishHash() {
    return hash.hex();
  }

  /** The assembled vector (not copied: the assembler is single-use). */
  public float[] values() {
    return values;
  }
}
