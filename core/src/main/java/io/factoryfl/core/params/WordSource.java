package io.factoryfl.core.params;

/**
 * A vector of 32-bit words (float32 bits, or uint32 words of a masked input) that is read in
 * bounded chunks, in order, as often as needed: a large update or model is folded or written
 * without ever being held whole. An in-memory vector is one too ({@link #of}).
 */
public interface WordSource {
  /** The words of one chunk, a view valid only during the call. */
  interface ChunkConsumer {
    /**
     * @param offset the index of {@code words[0]} in the whole vector
     * @param words the chunk's words; only the first {@code count} are meaningful, and the array
     *     may be reused for the next chunk
     */
    void accept(long offset, int[] words, int count);
  }

  /**
   * Words per chunk of the in-memory and file-backed sources: 256 KiB, below the size at which G1
   * allocates an object as humongous (half a region; regions are 1 MiB in heaps under 2 GiB), so
   * chunk buffers never need contiguous free regions in a heap that is mostly one large aggregate.
   */
  int CHUNK_WORDS = 1 << 16;

  /** The number of words. */
  long length();

  /**
   * Hands every word to {@code consumer}, chunk by chunk, in order.
   *
   * @throws java.io.UncheckedIOException if the words cannot be read
   */
  void forEachChunk(ChunkConsumer consumer);

  /** The words as float32 values, materialised: O(d), for callers that need the whole vector. */
  default float[] toFloats() {
    if (length() > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("a vector of " + length() + " words does not fit one array");
    }
    float[] values = new float[(int) length()];
    forEachChunk((offset, words, count) -> {
      for (int i = 0; i < count; i++) {
        values[(int) offset + i] = Float.intBitsToFloat(words[i]);
      }
    });
    return values;
  }

  /** The words, materialised (O(d)). */
  default int[] toWords() {
    if (length() > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("a vector of " + length() + " words does not fit one array");
    }
    int[] all = new int[(int) length()];
    forEachChunk((offset, words, count) -> System.arraycopy(words, 0, all, (int) offset, count));
    return all;
  }

  /** An in-memory vector of words (not copied). */
  static WordSource of(int[] words) {
    return new WordSource() {
      @Override
      public long length() {
        return words.length;
      }

      @Override
      public void forEachChunk(ChunkConsumer consumer) {
        int[] chunk = new int[Math.min(CHUNK_WORDS, words.length)];
        for (int from = 0; from < words.length; from += CHUNK_WORDS) {
          int count = Math.min(CHUNK_WORDS, words.length - from);
          System.arraycopy(words, from, chunk, 0, count);
          consumer.accept(from, chunk, count);
        }
      }

      @Override
      public int[] toWords() {
        return words.clone();
      }
    };
  }

  /** In-memory float32 values as words (not copied). */
  static WordSource ofFloats(float[] values) {
    return new WordSource() {
      @Override
      public long length() {
        return values.length;
      }

      @Override
      public void forEachChunk(ChunkConsumer consumer) {
        int[] chunk = new int[Math.min(CHUNK_WORDS, values.length)];
        for (int from = 0; from < values.length; from += CHUNK_WORDS) {
          int count = Math.min(CHUNK_WORDS, values.length - from);
          for (int i = 0; i < count; i++) {
            chunk[i] = Float.floatToRawIntBits(values[from + i]);
          }
          consumer.accept(from, chunk, count);
        }
      }

      @Override
      public float[] toFloats() {
        return values.clone();
      }
    };
  }
}
