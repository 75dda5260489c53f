package io.factoryfl.coordinator.job;

import io.factoryfl.core.params.ContentHash;
import io.factoryfl.core.params.WordSource;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Passes a vector on while taking the SHA-256 of its little-endian bytes (the hash {@link
 * io.factoryfl.core.params.ParameterCodec#hash} gives), so a new model is hashed as it is stored,
 * in one reading. {@link #hex} is the hash of the words read once through.
 */
final class HashedWords implements WordSource {
  private final WordSource words;
  private final ContentHash hash = new ContentHash();
  private boolean read;

  HashedWords(WordSource words) {
    this.words = words;
  }

  @Override
  public long length() {
    return words.length();
  }

  @Override
  public void forEachChunk(ChunkConsumer consumer) {
    if (read) {
      throw new IllegalStateException("a hashed vector is read once");
    }
    read = true;
    ByteBuffer bytes = ByteBuffer.allocate(CHUNK_WORDS * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    words.forEachChunk((offset, chunk, count) -> {
      for (int from = 0; from < count; from += CHUNK_WORDS) {
        int n = Math.min(CHUNK_WORDS, count - from);
        bytes.clear();
        bytes.asIntBuffer().put(chunk, from, n);
        hash.update(bytes.array(), 0, n * Integer.BYTES);
      }
      consumer.accept(offset, chunk, count);
    });
  }

  /** The hex SHA-256 of the words read. */
  String hex() {
    if (!read) {
      throw new IllegalStateException("the vector has not been read yet");
    }
    return hash.hex();
  }
}
