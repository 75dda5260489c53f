package io.factoryfl.coordinator.server;

import io.factoryfl.core.params.ContentHash;
import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.core.params.WordSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One upload's words on disk instead of in the heap: chunks are appended to a temporary file as
 * they arrive, hashed and scanned for non-finite float32 values on the way, and once the stream is
 * verified the update is read back in chunks of 256 KiB ({@link WordSource}) to be folded into the
 * round's aggregate. The heap holds one chunk, whatever the model's size.
 *
 * <p>File format: the upload's bytes exactly as sent, little-endian 32-bit words. The file
 * ({@code upload-*.spill}) is created in the coordinator's spill directory ({@code java.io.tmpdir}),
 * readable by its owner only, and deleted by {@link #delete} in every outcome (accepted, rejected,
 * cancelled, task settled elsewhere); only a killed coordinator leaves one behind, for the system's
 * temporary-file clean-up.
 */
final class UpdateSpill implements WordSource {
  /** All exponent bits set: the float is NaN or infinite. */
  private static final int FLOAT_EXPONENT = 0x7f800000;

  private final long expectedWords;
  private final Path file;
  private final FileChannel channel;
  private final ContentHash hash = new ContentHash();
  private final ByteBuffer carry = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
  private long words;
  private long firstNonFinite = -1;
  private int firstNonFiniteWord;
  private boolean deleted;

  /**
   * Creates the spill file for an update of {@code expectedWords} words.
   *
   * @throws UncheckedIOException if the file cannot be created
   */
  UpdateSpill(Path directory, long expectedWords) {
    if (expectedWords < 0) {
      throw new IllegalArgumentException("num_parameters must not be negative, got " + expectedWords);
    }
    this.expectedWords = expectedWords;
    try {
      Files.createDirectories(directory);
      this.file = Files.createTempFile(directory, "upload-", ".spill");
      this.channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create an upload spill file in " + directory, e);
    }
  }

  Path file() {
    return file;
  }

  /**
   * Appends one wire chunk.
   *
   * @throws IllegalArgumentException if the chunk is larger than the wire limit or brings more
   *     words than announced (the same messages as {@link io.factoryfl.core.params.ParameterAssembler})
   */
  void append(byte[] chunk) {
    append(com.google.protobuf.UnsafeByteOperations.unsafeWrap(chunk));
  }

  /** As {@link #append(byte[])}, reading the message's bytes in place (no copy of the chunk). */
  void append(com.google.protobuf.ByteString chunk) {
    if (chunk.size() > ParameterCodec.MAX_CHUNK_BYTES) {
      throw new IllegalArgumentException(
          "chunk of " + chunk.size() + " bytes exceeds the limit of " + ParameterCodec.MAX_CHUNK_BYTES);
    }
    long bytesAfter = words * Integer.BYTES + carry.position() + chunk.size();
    if (bytesAfter > expectedWords * Integer.BYTES + (Integer.BYTES - 1)) {
      throw new IllegalArgumentException(
          "update carries more than the announced " + expectedWords + " parameters");
    }
    try {
      for (ByteBuffer part : chunk.asReadOnlyByteBufferList()) {
        hash.update(part.duplicate());
        ByteBuffer in = part.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        while (in.hasRemaining()) {
          if (carry.position() > 0 || in.remaining() < Integer.BYTES) {
            while (carry.hasRemaining() && in.hasRemaining()) {
              carry.put(in.get());
            }
            if (!carry.hasRemaining()) {
              carry.flip();
              scan(carry.getInt());
              carry.clear();
            }
          } else {
            scan(in.getInt());
          }
        }
        ByteBuffer out = part.duplicate();
        while (out.hasRemaining()) {
          channel.write(out);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the upload spill file " + file, e);
    }
  }

  private void scan(int word) {
    if (firstNonFinite < 0 && (word & FLOAT_EXPONENT) == FLOAT_EXPONENT) {
      firstNonFinite = words;
      firstNonFiniteWord = word;
    }
    words++;
  }

  /** Words received so far. */
  long received() {
    return words;
  }

  boolean complete() {
    return words == expectedWords && carry.position() == 0;
  }

  /** Hex SHA-256 of all bytes appended. */
  String finishHash() {
    return hash.hex();
  }

  /** Index of the first NaN or infinite float32 value, or -1. */
  long firstNonFiniteIndex() {
    return firstNonFinite;
  }

  /** The first non-finite value itself (meaningful when {@link #firstNonFiniteIndex} is not -1). */
  float firstNonFiniteValue() {
    return Float.intBitsToFloat(firstNonFiniteWord);
  }

  @Override
  public long length() {
    return words;
  }

  /** Reads the spilled words back, a chunk at a time. */
  @Override
  public synchronized void forEachChunk(ChunkConsumer consumer) {
    ByteBuffer buffer = ByteBuffer.allocate(CHUNK_WORDS * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    int[] chunk = new int[CHUNK_WORDS];
    long position = 0;
    long total = words * Integer.BYTES;
    try {
      while (position < total) {
        buffer.clear();
        buffer.limit((int) Math.min(buffer.capacity(), total - position));
        while (buffer.hasRemaining()) {
          if (channel.read(buffer, position + buffer.position()) < 0) {
            throw new IOException("the spill file ended after " + (position + buffer.position()) + " bytes");
          }
        }
        buffer.flip();
        int count = buffer.remaining() / Integer.BYTES;
        buffer.asIntBuffer().get(chunk, 0, count);
        consumer.accept(position / Integer.BYTES, chunk, count);
        position += (long) count * Integer.BYTES;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read back the upload spill file " + file, e);
    }
  }

  /** Closes and deletes the file; idempotent, never throws. */
  synchronized void delete() {
    if (deleted) {
      return;
    }
    deleted = true;
    try {
      channel.close();
    } catch (IOException ignored) {
      // deleting it below is what matters
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // the next start's clean-up of the spill directory removes it
    }
  }
}
