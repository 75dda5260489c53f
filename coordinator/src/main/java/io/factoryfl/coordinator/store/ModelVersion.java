package io.factoryfl.coordinator.store;

import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.core.params.WordSource;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * One committed global model: its hash ({@link io.factoryfl.core.params.ModelHash} of its
 * configuration and parameters), configuration and dimension, and a way to its parameters. A
 * version does not necessarily hold its parameters: one from a store may read them from the
 * store's file each time ({@link #bytes}, {@link #words}), so a 10^8-parameter model is streamed to
 * the sites and into the next round without being loaded whole. {@link #parameters} loads them
 * (O(d)) for the callers that need the whole vector.
 */
public final class ModelVersion {
  /** Reads the little-endian float32 bytes of {@code count} parameters from index {@code from}. */
  public interface Reader {
    byte[] read(long from, int count);
  }

  private final String hash;
  private final String configurationJson;
  private final int dimension;
  private final Reader reader;
  /** Set only for a version held in memory. */
  private final float[] held;

  /** A version held in memory; the array is shared, not copied, and nobody may modify it. */
  public ModelVersion(String hash, String configurationJson, float[] parameters) {
    this.hash = Objects.requireNonNull(hash, "hash");
    this.configurationJson = Objects.requireNonNull(configurationJson, "configurationJson");
    this.held = Objects.requireNonNull(parameters, "parameters");
    this.dimension = parameters.length;
    this.reader = (from, count) -> ParameterCodec.encode(held, (int) from, count);
  }

  /** A version whose parameters are read through {@code reader} when needed. */
  public ModelVersion(String hash, String configurationJson, int dimension, Reader reader) {
    if (dimension < 0) {
      throw new IllegalArgumentException("dimension must not be negative, was " + dimension);
    }
    this.hash = Objects.requireNonNull(hash, "hash");
    this.configurationJson = Objects.requireNonNull(configurationJson, "configurationJson");
    this.dimension = dimension;
    this.reader = Objects.requireNonNull(reader, "reader");
    this.held = null;
  }

  public String hash() {
    return hash;
  }

  public String configurationJson() {
    return configurationJson;
  }

  public int dimension() {
    return dimension;
  }

  /** Whether the parameters are in memory (small models, from the store's cache). */
  public boolean inMemory() {
    return held != null;
  }

  /** The little-endian float32 bytes of parameters {@code [from, from + count)}. */
  public byte[] bytes(long from, int count) {
    if (from < 0 || count < 0 || from + count > dimension) {
      throw new IndexOutOfBoundsException("parameters [" + from + ", " + (from + count) + ") of " + dimension);
    }
    return reader.read(from, count);
  }

  /** The parameters as float32 words, read 1 MiB at a time. */
  public WordSource words() {
    if (held != null) {
      return WordSource.ofFloats(held);
    }
    return new WordSource() {
      @Override
      public long length() {
        return dimension;
      }

      @Override
      public void forEachChunk(ChunkConsumer consumer) {
        int[] chunk = new int[Math.min(CHUNK_WORDS, dimension)];
        for (long from = 0; from < dimension; from += CHUNK_WORDS) {
          int count = (int) Math.min(CHUNK_WORDS, dimension - from);
          ByteBuffer.wrap(reader.read(from, count)).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer()
              .get(chunk, 0, count);
          consumer.accept(from, chunk, count);
        }
      }
    };
  }

  /**
   * The parameters, whole: shared (not to be modified) when held in memory, otherwise read into a
   * new array (O(d) of heap).
   */
  public float[] parameters() {
    return held != null ? held : words().toFloats();
  }
}
