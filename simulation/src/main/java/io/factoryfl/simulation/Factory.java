package io.factoryfl.simulation;

import io.factoryfl.participant.data.CsvTable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One simulated plant with table data: its name (also its certificate identity) and its private
 * training and held-out rows, written as {@code data/train.csv} and {@code data/eval.csv}.
 */
record Factory(String name, String description, CsvTable train, CsvTable eval) implements Plant {
  /** The catalogue entry of a plant's CSV files. */
  static final String CSV_ENTRY = "{\"path\": \"data/train.csv\", \"eval_path\": \"data/eval.csv\"}";

  @Override
  public String writeData(Path site) throws IOException {
    CsvWriter.write(train, site.resolve("data/train.csv"));
    CsvWriter.write(eval, site.resolve("data/eval.csv"));
    return CSV_ENTRY;
  }
}
