package io.factoryfl.simulation.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where a benchmark's report goes: printed, and written to its file (folders made as needed). */
final class BenchReport {
  private BenchReport() {}

  /** Prints {@code report} to {@code out}, writes it to {@code file} and says where. */
  static void publish(String report, Path file, PrintStream out) throws IOException {
    out.print(report);
    write(file, report);
    out.println("written to " + file);
  }

  /** Writes {@code text} to {@code file}, creating its folder if needed. */
  static void write(Path file, String text) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }
}
