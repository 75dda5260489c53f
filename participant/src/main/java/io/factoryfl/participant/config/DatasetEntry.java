package io.factoryfl.participant.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * One dataset the site offers, by the name jobs use. Only the name ever leaves the site.
 *
 * <p>A {@link Kind#CSV} dataset is a table file per split. An {@link Kind#IMAGES} dataset is a
 * folder per split whose images are labelled either by a listing CSV ({@code path,label}, paths
 * relative to the folder) or, without a listing, by the name of the class subfolder each image is
 * in ({@code docs/images.md}).
 *
 * @param name the catalogue name jobs refer to
 * @param kind a table or a folder of images
 * @param path the local CSV file, or image folder, used for training (and feature statistics)
 * @param evalPath the local CSV file, or image folder, used for evaluation, or null: a CSV dataset
 *     then has no evaluation split, an image dataset one only if it has an {@code evalListing}
 *     (which then lists images of {@code path})
 * @param columns renames job column names to this site's local column names (absent = same name)
 * @param listing an image dataset's listing CSV of its training images, or null for class subfolders
 * @param evalListing an image dataset's listing CSV of its evaluation images, or null
 */
public record DatasetEntry(String name, Kind kind, Path path, Path evalPath, Map<String, String> columns,
    Path listing, Path evalListing) {
  /** What a dataset is made of. */
  public enum Kind {
    CSV("csv"),
    IMAGES("images");

    private final String key;

    Kind(String key) {
      this.key = key;
    }

    /** The config file's name for it ({@code "kind"}). */
    public String key() {
      return key;
    }
  }

  /** A CSV dataset. */
  public DatasetEntry(String name, Path path, Path evalPath, Map<String, String> columns) {
    this(name, Kind.CSV, path, evalPath, columns, null, null);
  }

  public DatasetEntry {
    Objects.requireNonNull(kind, "kind");
    columns = Map.copyOf(columns);
    if (kind == Kind.CSV && (listing != null || evalListing != null)) {
      throw new IllegalArgumentException("dataset '" + name + "' is a CSV table; only an image dataset has a"
          + " listing");
    }
  }

  /** An image dataset. */
  public static DatasetEntry images(String name, Path folder, Path listing, Path evalFolder, Path evalListing,
      Map<String, String> columns) {
    return new DatasetEntry(name, Kind.IMAGES, folder, evalFolder, columns, listing, evalListing);
  }

  /** The local name of a column the job refers to. */
  public String localColumn(String jobColumn) {
    return columns.getOrDefault(jobColumn, jobColumn);
  }

  /** Whether the dataset has an evaluation split. */
  public boolean hasEval() {
    return evalPath != null || evalListing != null;
  }
}
