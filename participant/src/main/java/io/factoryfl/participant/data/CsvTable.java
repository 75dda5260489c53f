package io.factoryfl.participant.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A comma-separated table held in memory: a header line naming the columns, then one row per line.
 *
 * <p>Format (RFC 4180 in practice): UTF-8, an optional byte-order mark, {@code \n} or {@code \r\n}
 * line ends; a field may be enclosed in double quotes, and then may contain commas, line breaks and
 * doubled quotes ({@code ""} for one {@code "}). Every row must have as many fields as the header.
 * Blank lines are skipped. Values are kept as text, unquoted and otherwise unmodified.
 *
 * <p>Immutable; errors name the source and the line.
 */
public final class CsvTable {

  private final String source;
  private final List<String> header;
  private final Map<String, Integer> columnIndex;
  private final String[][] rows;
  private final int[] lineNumbers;

  private CsvTable(String source, List<String> header, String[][] rows, int[] lineNumbers) {
    this.source = source;
    this.header = List.copyOf(header);
    this.rows = rows;
    this.lineNumbers = lineNumbers;
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < header.size(); i++) {
      if (index.put(header.get(i), i) != null) {
        throw new IllegalArgumentException(
            source + " line 1: column '" + header.get(i) + "' appears twice in the header");
      }
    }
    this.columnIndex = index;
  }

  /**
   * Reads a CSV file.
   *
   * @throws UncheckedIOException if the file cannot be read (the message names the path)
   * @throws IllegalArgumentException if the content is malformed (names the path and line)
   */
  public static CsvTable read(Path path) {
    Objects.requireNonNull(path, "path must not be null");
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read CSV file " + path + ": " + e.getMessage(), e);
    }
    return parse(path.toString(), text);
  }

  /**
   * Parses CSV text; {@code source} names it in error messages (a path or a description).
   *
   * @throws IllegalArgumentException if the content is malformed (names the source and line)
   */
  public static CsvTable parse(String source, String text) {
    Objects.requireNonNull(source, "source must not be null");
    Objects.requireNonNull(text, "text must not be null");
    return new Parser(source, text).parse();
  }

  /**
   * A table of already split rows, as a streaming reader hands them over chunk by chunk ({@link
   * CsvChunks}).
   *
   * @param lineNumbers the file line each row starts on, for messages
   * @throws IllegalArgumentException if a row's width differs from the header's, or a header name
   *     repeats
   */
  public static CsvTable of(String source, List<String> header, List<String[]> rows, int[] lineNumbers) {
    Objects.requireNonNull(rows, "rows must not be null");
    if (lineNumbers.length != rows.size()) {
      throw new IllegalArgumentException("one line number per row: " + lineNumbers.length + " for " + rows.size());
    }
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).length != header.size()) {
        throw new IllegalArgumentException(source + " line " + lineNumbers[i] + ": " + rows.get(i).length
            + " fields, but the header has " + header.size());
      }
    }
    return new CsvTable(source, header, rows.toArray(String[][]::new), lineNumbers.clone());
  }

  /** Where the table came from (the file path for {@link #read}). */
  public String source() {
    return source;
  }

  /** The column names, in file order. */
  public List<String> header() {
    return header;
  }

  /** Number of data rows (the header is not a row). */
  public int rows() {
    return rows.length;
  }

  /** The line of the file on which data row {@code row} starts (the header is line 1). */
  public int lineNumber(int row) {
    checkRow(row);
    return lineNumbers[row];
  }

  /**
   * Index of a column in the header.
   *
   * @throws IllegalArgumentException naming the column, the source and the available columns
   */
  public int columnIndex(String column) {
    Integer index = columnIndex.get(column);
    if (index == null) {
      throw new IllegalArgumentException(
          "column '" + column + "' not found in " + source + "; available columns: " + header);
    }
    return index;
  }

  /** Whether the header has {@code column}. */
  public boolean hasColumn(String column) {
    return columnIndex.containsKey(column);
  }

  /** The text of a cell. */
  public String value(int row, String column) {
    return value(row, columnIndex(column));
  }

  /** The text of a cell, by column index. */
  public String value(int row, int column) {
    checkRow(row);
    if (column < 0 || column >= header.size()) {
      throw new IndexOutOfBoundsException(
          "column index " + column + " out of range [0, " + header.size() + ") in " + source);
    }
    return rows[row][column];
  }

  /** A table with the given rows of this one, in the given order (rows may repeat). */
  public CsvTable select(int[] rowIndices) {
    String[][] selected = new String[rowIndices.length][];
    int[] lines = new int[rowIndices.length];
    for (int i = 0; i < rowIndices.length; i++) {
      checkRow(rowIndices[i]);
      selected[i] = rows[rowIndices[i]];
      lines[i] = lineNumbers[rowIndices[i]];
    }
    return new CsvTable(source, header, selected, lines);
  }

  @Override
  public String toString() {
    return "CsvTable[" + source + ", " + header.size() + " columns, " + rows.length + " rows]";
  }

  private void checkRow(int row) {
    if (row < 0 || row >= rows.length) {
      throw new IndexOutOfBoundsException(
          "row " + row + " out of range [0, " + rows.length + ") in " + source);
    }
  }

  /** Single pass over the text, tracking line numbers across quoted line breaks. */
  private static final class Parser {
    private final String source;
    private final String text;
    private int pos;
    private int line = 1;

    Parser(String source, String text) {
      this.source = source;
      this.text = text;
      this.pos = text.startsWith("\uFEFF") ? 1 : 0;
    }

    CsvTable parse() {
      List<String> header = null;
      List<String[]> rows = new ArrayList<>();
      List<Integer> lines = new ArrayList<>();
      while (pos < text.length()) {
        int recordLine = line;
        List<String> fields = readRecord();
        if (fields.size() == 1 && fields.get(0).isEmpty()) {
          continue; // blank line
        }
        if (header == null) {
          for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).isBlank()) {
              throw new IllegalArgumentException(
                  source + " line " + recordLine + ": header column " + (i + 1) + " is blank");
            }
          }
          header = fields;
        } else if (fields.size() != header.size()) {
          throw new IllegalArgumentException(
              source + " line " + recordLine + ": expected " + header.size()
                  + " fields as in the header, found " + fields.size());
        } else {
          rows.add(fields.toArray(String[]::new));
          lines.add(recordLine);
        }
      }
      if (header == null) {
        throw new IllegalArgumentException(source + ": file is empty, expected a header line");
      }
      int[] lineNumbers = lines.stream().mapToInt(Integer::intValue).toArray();
      return new CsvTable(source, header, rows.toArray(String[][]::new), lineNumbers);
    }

    /** Reads one record and the line break that ends it. */
    private List<String> readRecord() {
      List<String> fields = new ArrayList<>();
      StringBuilder field = new StringBuilder();
      while (true) {
        if (pos < text.length() && text.charAt(pos) == '"' && field.isEmpty()) {
          readQuoted(field);
        }
        if (pos >= text.length()) {
          fields.add(field.toString());
          return fields;
        }
        char c = text.charAt(pos++);
        if (c == ',') {
          fields.add(field.toString());
          field.setLength(0);
        } else if (c == '\n' || c == '\r') {
          if (c == '\r' && pos < text.length() && text.charAt(pos) == '\n') {
            pos++;
          }
          line++;
          fields.add(field.toString());
          return fields;
        } else if (c == '"') {
          throw new IllegalArgumentException(
              source + " line " + line + ": unexpected '\"' inside an unquoted field"
                  + " (quote the whole field and double the quote)");
        } else {
          field.append(c);
        }
      }
    }

    /** Reads a quoted field starting at the opening quote, up to just past the closing quote. */
    private void readQuoted(StringBuilder field) {
      int startLine = line;
      pos++;
      while (pos < text.length()) {
        char c = text.charAt(pos++);
        if (c == '"') {
          if (pos < text.length() && text.charAt(pos) == '"') {
            field.append('"');
            pos++;
          } else {
            if (pos < text.length() && ",\r\n".indexOf(text.charAt(pos)) < 0) {
              throw new IllegalArgumentException(
                  source + " line " + line + ": unexpected character '" + text.charAt(pos)
                      + "' after a closing quote");
            }
            return;
          }
        } else {
          if (c == '\n' || (c == '\r' && (pos >= text.length() || text.charAt(pos) != '\n'))) {
            line++;
          }
          field.append(c);
        }
      }
      throw new IllegalArgumentException(
          source + " line " + startLine
              + ": quoted field is not closed before the end of the file");
    }
  }
}
