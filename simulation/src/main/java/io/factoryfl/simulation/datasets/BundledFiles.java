package io.factoryfl.simulation.datasets;

import io.factoryfl.participant.data.CsvTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads the data files bundled in the simulation jar under {@code /datasets/}. */
final class BundledFiles {
  static final String ROOT = "/datasets/";

  private BundledFiles() {}

  /** The bytes of a bundled file, by its path under {@code /datasets/}. */
  static byte[] bytes(String path) {
    try (InputStream in = BundledFiles.class.getResourceAsStream(ROOT + path)) {
      if (in == null) {
        throw new IllegalStateException("the bundled file " + ROOT + path + " is missing from the"
            + " simulation jar; rebuild it (./mvnw -B -q -o -DskipTests package)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the bundled file " + ROOT + path, e);
    }
  }

  /** A bundled CSV file as a table, named by its path under {@code /datasets/}. */
  static CsvTable table(String path) {
    return CsvTable.parse(path, new String(bytes(path), StandardCharsets.UTF_8));
  }
}
