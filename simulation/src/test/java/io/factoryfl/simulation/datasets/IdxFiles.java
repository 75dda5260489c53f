package io.factoryfl.simulation.datasets;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files for tests, as the MNIST files are laid out (big-endian header, then bytes). */
final class IdxFiles {
  private IdxFiles() {}

  /** The bytes of an IDX file: {@code magic}, one size per entry of {@code dims}, then {@code values}. */
  static byte[] bytes(int magic, int[] dims, byte[] values) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(buffer);
    out.writeInt(magic);
    for (int dim : dims) {
      out.writeInt(dim);
    }
    out.write(values);
    out.flush();
    return buffer.toByteArray();
  }

  static Path write(Path file, byte[] content, boolean gzip) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
      out.write(content);
    }
    return file;
  }

  /** Images of {@code side x side} whose pixels are all their label times 10, and the labels. */
  static void writeMnist(Path folder, String imagesName, String labelsName, byte[] labels, int side, boolean gzip)
      throws IOException {
    byte[] pixels = new byte[labels.length * side * side];
    for (int i = 0; i < labels.length; i++) {
      java.util.Arrays.fill(pixels, i * side * side, (i + 1) * side * side, (byte) (labels[i] * 10));
    }
    String suffix = gzip ? ".gz" : "";
    write(folder.resolve(imagesName + suffix), bytes(Idx.IMAGES_MAGIC, new int[] {labels.length, side, side}, pixels),
        gzip);
    write(folder.resolve(labelsName + suffix), bytes(Idx.LABELS_MAGIC, new int[] {labels.length}, labels), gzip);
  }
}
