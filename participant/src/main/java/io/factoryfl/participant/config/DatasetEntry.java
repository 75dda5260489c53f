package io.factoryfl.participant.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * One dataset the site offers, by the name jobs use. Only the name ever leaves the site.
 *
 * @param name the catalogue name jobs refer to
 * @param path the local CSV file used for training and feature statistics
 * @param evalPath the local CSV file used for evaluation, or null if the site does not evaluate
 * @param columns renames job column names to this site's local column names (absent = same name)
 */
public record DatasetEntry(String name, Path path, Path evalPath, Map<String, String> columns) {
  public DatasetEntry {
    columns = Map.copyOf(columns);
  }

  /** The local name of a column the job refers to. */
  public String localColumn(String jobColumn) {
    return columns.getOrDefault(jobColumn, jobColumn);
  }
}
