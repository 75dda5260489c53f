package io.factoryfl.participant.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a CSV file in chunks of at most {@code rows} rows, each a {@link CsvTable} with the file's
 * header, so a file larger than memory can be scored row by row (Apache Commons CSV). The format is
 * {@link CsvTable}'s: UTF-8 with an optional byte-order mark, a header line, RFC 4180 quoting,
 * blank lines skipped, every row as wide as the header; values are kept as written.
 */
public final class CsvChunks implements Iterator<CsvTable>, AutoCloseable {
  private final String source;
  private final int rows;
  private final CSVParser parser;
  private final Iterator<CSVRecord> records;
  private final List<String> header;

  private CsvChunks(Path path, int rows) throws IOException {
    this.source = path.toString();
    this.rows = rows;
    Reader reader = new BufferedReader(Files.newBufferedReader(path, StandardCharsets.UTF_8));
    reader.mark(1);
    if (reader.read() != '\uFEFF') {
      reader.reset();
    }
    this.parser = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(true).build().parse(reader);
    this.records = parser.iterator();
    if (!records.hasNext()) {
      parser.close();
      throw new IllegalArgumentException(source + " is empty; it needs a header line naming the columns");
    }
    this.header = records.next().toList();
  }

  /**
   * Opens {@code path}.
   *
   * @param rows the most rows per chunk
   * @throws IllegalArgumentException if the file is empty
   * @throws IOException if it cannot be read
   */
  public static CsvChunks open(Path path, int rows) throws IOException {
    Objects.requireNonNull(path, "path");
    if (rows < 1) {
      throw new IllegalArgumentException("rows per chunk must be >= 1, was " + rows);
    }
    return new CsvChunks(path, rows);
  }

  /** The file's column names. */
  public List<String> header() {
    return header;
  }

  @Override
  public boolean hasNext() {
    try {
      return records.hasNext();
    } catch (UncheckedIOException e) {
      throw new IllegalArgumentException(source + " cannot be read as CSV: " + e.getMessage(), e);
    }
  }

  /**
   * The next chunk.
   *
   * @throws IllegalArgumentException if a row is malformed or not as wide as the header (names the
   *     line)
   */
  @Override
  public CsvTable next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more rows in " + source);
    }
    List<String[]> chunk = new ArrayList<>();
    int[] lines = new int[rows];
    try {
      while (chunk.size() < rows && records.hasNext()) {
        CSVRecord record = records.next();
        // the line breaks read so far: the record's (last) line, 1-based as CsvTable counts
        lines[chunk.size()] = (int) Math.min(Integer.MAX_VALUE, Math.max(2, parser.getCurrentLineNumber()));
        chunk.add(record.values());
      }
    } catch (UncheckedIOException e) {
      throw new IllegalArgumentException(source + " cannot be read as CSV: " + e.getMessage(), e);
    }
    return CsvTable.of(source, header, chunk, java.util.Arrays.copyOf(lines, chunk.size()));
  }

  @Override
  public void close() throws IOException {
    parser.close();
  }
}
