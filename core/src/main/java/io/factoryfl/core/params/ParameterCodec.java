package io.factoryfl.core.params;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of a parameter vector: float32 values, little-endian, cut into chunks of at most
 * {@link #MAX_CHUNK_BYTES} so that no gRPC message, and no buffer on either side, grows with the
 * model.
 */
public final class ParameterCodec {
  /** 1 MiB, a whole number of floats. */
  public static final int MAX_CHUNK_BYTES = 1 << 20;

  private ParameterCodec() {}

  /** Encodes {@code values[from, from + count)} as little-endian float32 bytes. */
  public static byte[] encode(float[] values, int from, int count) {
    ByteBuffer buffer = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values, from, count);
    return buffer.array();
  }

  /** Encodes {@code words[from, from + count)} as little-endian 32-bit words. */
  public static byte[] encodeWords(int[] words, int from, int count) {
    ByteBuffer buffer = ByteBuffer.allocate(count * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asIntBuffer().put(words, from, count);
    return buffer.array();
  }

  /** The content hash of a word vector, chunked exactly like {@link #hash(float[])}. */
  public static String hashWords(int[] words) {
    ContentHash hash = new ContentHash();
    int perChunk = MAX_CHUNK_BYTES / Integer.BYTES;
    for (int from = 0; from < words.length; from += perChunk) {
      hash.update(encodeWords(words, from, Math.min(perChunk, words.length - from)));
    }
    return hash.hex();
  }

  /** The raw bits of float values as words, as they travel on the wire. */
  public static int[] toWords(float[] values) {
    int[] words = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      words[i] = Float.floatToRawIntBits(values[i]);
    }
    return words;
  }

  public static byte[] encode(float[] values) {
    return encode(values, 0, values.length);
  }

  /** Splits a vector into wire chunks of at most {@link #MAX_CHUNK_BYTES} bytes each. */
  public static List<byte[]> chunks(float[] values) {
    int perChunk = MAX_CHUNK_BYTES / Float.BYTES;
    List<byte[]> chunks = new ArrayList<>();
    for (int from = 0; from < values.length; from += perChunk) {
      chunks.add(encode(values, from, Math.min(perChunk, values.length - from)));
    }
    return chunks;
  }

  /** The content hash of a vector, equal to the hash of its concatenated chunks. */
  public static String hash(float[] values) {
    ContentHash hash = new ContentHash();
    int perChunk = MAX_CHUNK_BYTES / Float.BYTES;
    for (int from = 0; from < values.length; from += perChunk) {
      hash.update(encode(values, from, Math.min(perChunk, values.length - from)));
    }
    return hash.hex();
  }

  public static float[] decode(byte[] bytes) {
    if (bytes.length % Float.BYTES != 0) {
      throw new IllegalArgumentException(
          "parameter bytes must be a multiple of 4 (float32), got " + bytes.length + " bytes");
    }
    float[] values = new float[bytes.length / Float.BYTES];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }
}
