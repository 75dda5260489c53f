package io.factoryfl.simulation;

import io.factoryfl.participant.data.CsvTable;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes a table back as RFC 4180 CSV, quoting only fields that need it. */
final class CsvWriter {
  private CsvWriter() {}

  static void write(CsvTable table, Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      writeRow(out, table.header());
      int columns = table.header().size();
      String[] row = new String[columns];
      for (int r = 0; r < table.rows(); r++) {
        for (int c = 0; c < columns; c++) {
          row[c] = table.value(r, c);
        }
        writeRow(out, List.of(row));
      }
    }
  }

  private static void writeRow(BufferedWriter out, List<String> fields) throws IOException {
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        out.write(',');
      }
      String field = fields.get(i);
      if (field.contains(",") || field.contains("\"") || field.contains("\n") || field.contains("\r")) {
        out.write('"');
        out.write(field.replace("\"", "\"\""));
        out.write('"');
      } else {
        out.write(field);
      }
    }
    out.write('\n');
  }
}
