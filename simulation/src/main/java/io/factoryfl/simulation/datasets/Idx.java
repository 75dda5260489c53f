package io.factoryfl.simulation.datasets;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX files MNIST comes in (LeCun et al., "THE MNIST DATABASE of handwritten digits"):
 * a 4-byte big-endian magic {@code 0x000008DD}, where {@code 08} says the values are unsigned bytes
 * and {@code DD} is the number of dimensions, then one big-endian 32-bit size per dimension, then
 * the values in C order. Images are 3-dimensional ({@code 0x00000803}: count, rows, columns),
 * labels 1-dimensional ({@code 0x00000801}: count). A file starting with gzip's {@code 1f 8b} is
 * read through gzip. Every buffer is sized from header values checked against {@link
 * #MAX_VALUES} first, and a file must hold exactly the values its header promises.
 */
public final class Idx {
  /** Magic of an unsigned-byte IDX file of three dimensions (images). */
  public static final int IMAGES_MAGIC = 0x00000803;
  /** Magic of an unsigned-byte IDX file of one dimension (labels). */
  public static final int LABELS_MAGIC = 0x00000801;
  /** The most values one file may hold (256 MiB; MNIST's training images are 47 million). */
  public static final long MAX_VALUES = 1L << 28;
  private static final int HEADER_BYTES_PER_DIMENSION = 4;

  private Idx() {}

  /**
   * Images of one IDX file: {@code count} images of {@code rows x columns} unsigned bytes, image by
   * image, row by row. The array is the reader's own (not copied: 47 MB for MNIST's training set).
   */
  public record Images(int count, int rows, int columns, byte[] pixels) {
    public Images {
      if ((long) count * rows * columns != pixels.length) {
        throw new IllegalArgumentException(count + " images of " + rows + " x " + columns + " need "
            + (long) count * rows * columns + " bytes, got " + pixels.length);
      }
    }

    /** Values per image. */
    public int pixelsPerImage() {
      return rows * columns;
    }

    /** The grey value (0 to 255) of image {@code index} at {@code row}, {@code column}. */
    public int pixel(int index, int row, int column) {
      return pixels[(index * rows + row) * columns + column] & 0xff;
    }
  }

  /** The images of {@code file} (magic {@code 0x00000803}). */
  public static Images readImages(Path file) throws IOException {
    try (DataInputStream in = open(file)) {
      int[] dims = header(in, file, IMAGES_MAGIC, 3, "images");
      byte[] pixels = values(in, file, dims);
      return new Images(dims[0], dims[1], dims[2], pixels);
    }
  }

  /** The labels of {@code file} (magic {@code 0x00000801}), one unsigned byte each. */
  public static byte[] readLabels(Path file) throws IOException {
    try (DataInputStream in = open(file)) {
      int[] dims = header(in, file, LABELS_MAGIC, 1, "labels");
      return values(in, file, dims);
    }
  }

  private static DataInputStream open(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("IDX file " + file + " does not exist or is not a file");
    }
    InputStream raw = new BufferedInputStream(Files.newInputStream(file));
    raw.mark(2);
    boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
    raw.reset();
    return new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(raw)) : raw);
  }

  private static int[] header(DataInputStream in, Path file, int magic, int dimensions, String what)
      throws IOException {
    int found;
    try {
      found = in.readInt();
    } catch (EOFException e) {
      throw new IOException("IDX file " + file + " is truncated: it ends before its 4-byte magic number");
    }
    if (found != magic) {
      throw new IOException(String.format("IDX file %s has magic number 0x%08X, expected 0x%08X (%s: unsigned"
          + " bytes in %d dimension%s); is it the right file?", file, found, magic, what, dimensions,
          dimensions == 1 ? "" : "s"));
    }
    int[] dims = new int[dimensions];
    long values = 1;
    for (int d = 0; d < dimensions; d++) {
      try {
        dims[d] = in.readInt();
      } catch (EOFException e) {
        throw new IOException("IDX file " + file + " is truncated: its header ends before the size of dimension "
            + (d + 1) + " of " + dimensions);
      }
      if (dims[d] < 1) {
        throw new IOException("IDX file " + file + " gives dimension " + (d + 1) + " the size "
            + Integer.toUnsignedString(dims[d]) + "; sizes must be at least 1");
      }
      values *= dims[d];
      if (values > MAX_VALUES) {
        throw new IOException("IDX file " + file + " declares more than " + MAX_VALUES + " values"
            + " (sizes " + java.util.Arrays.toString(java.util.Arrays.copyOf(dims, d + 1)) + "); refusing to read it");
      }
    }
    return dims;
  }

  private static byte[] values(DataInputStream in, Path file, int[] dims) throws IOException {
    long count = 1;
    for (int dim : dims) {
      count *= dim;
    }
    byte[] values = new byte[Math.toIntExact(count)];
    int read = in.readNBytes(values, 0, values.length);
    if (read < values.length) {
      throw new IOException("IDX file " + file + " is truncated: its header promises " + values.length
          + " values (sizes " + java.util.Arrays.toString(dims) + "), the file holds " + read);
    }
    if (in.read() != -1) {
      throw new IOException("IDX file " + file + " holds more than the " + values.length + " values its header"
          + " promises (sizes " + java.util.Arrays.toString(dims) + "); it is not a well-formed IDX file");
    }
    return values;
  }
}
