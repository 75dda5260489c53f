package io.factoryfl.participant.data;

import io.factoryfl.core.data.MissingValues;
import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.participant.config.DatasetEntry;
import io.factoryfl.proto.v1.DatasetBinding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The site's datasets by name, and the translation of a job's column names into the site's own.
 * Tables are read once and re-read when the file changes on disk.
 */
public final class DatasetCatalogue {
  private final Map<String, DatasetEntry> entries;
  private final Map<Path, Cached> tables = new HashMap<>();

  private record Cached(FileTime modified, CsvTable table) {}

  /** Which split of a dataset a task reads. */
  public enum Split { TRAIN, EVAL }

  public DatasetCatalogue(Map<String, DatasetEntry> entries) {
    this.entries = Map.copyOf(entries);
  }

  public List<String> names() {
    return entries.keySet().stream().sorted().toList();
  }

  /**
   * The table of a dataset split.
   *
   * @throws SiteDataException if the dataset is not in the catalogue, has no eval split, or its
   *     file cannot be read or is not a well-formed CSV table
   */
  public synchronized CsvTable table(String dataset, Split split) {
    DatasetEntry entry = entry(dataset);
    if (entry.kind() != DatasetEntry.Kind.CSV) {
      throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset '" + dataset + "' is a folder of images"
          + " at this site, but the job reads table rows", "dataset '" + dataset + "' has \"kind\": \""
          + entry.kind().key() + "\" in this site's catalogue; a job with numeric or categorical features needs a CSV"
          + " table");
    }
    String which = split == Split.TRAIN ? "training" : "evaluation";
    Path path = split == Split.TRAIN ? entry.path() : entry.evalPath();
    if (path == null) {
      throw new SiteDataException(SiteDataException.Kind.UNAVAILABLE, "dataset '" + dataset
          + "' has no evaluation split at this site", "dataset '" + dataset
          + "' has no eval_path in this site's catalogue, so the site cannot evaluate on it");
    }
    FileTime modified;
    try {
      modified = Files.getLastModifiedTime(path);
    } catch (java.io.IOException e) {
      throw new SiteDataException(SiteDataException.Kind.UNAVAILABLE, "dataset '" + dataset
          + "': the " + which + " file cannot be read at this site", "dataset '" + dataset
          + "' file is unreadable: " + path + " (" + e + ")", e);
    }
    Cached cached = tables.get(path);
    if (cached == null || !cached.modified().equals(modified)) {
      try {
        cached = new Cached(modified, CsvTable.read(path));
      } catch (java.io.UncheckedIOException e) {
        throw new SiteDataException(SiteDataException.Kind.UNAVAILABLE, "dataset '" + dataset
            + "': the " + which + " file cannot be read at this site", e.getMessage(), e);
      } catch (IllegalArgumentException e) {
        throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset '" + dataset
            + "': the " + which + " file at this site is not a well-formed CSV table",
            e.getMessage(), e);
      }
      tables.put(path, cached);
    }
    return cached.table();
  }

  /**
   * The images of a split of an image dataset ({@code "kind": "images"}): the file list and class
   * indices only, checked against the job's classes ({@link ImageListing}).
   *
   * @param labelColumn the job's label column, which names the class column of a listing CSV
   *     (translated to this site's name by {@code columns})
   * @param classes the job's label classes, in output order
   * @throws SiteDataException if the dataset is not in the catalogue, is a CSV table, has no such
   *     split, or its folder or listing does not fit the job
   */
  public ImageListing images(String dataset, Split split, String labelColumn, List<String> classes) {
    DatasetEntry entry = entry(dataset);
    if (entry.kind() != DatasetEntry.Kind.IMAGES) {
      throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset '" + dataset + "' is a table at this"
          + " site, but the job reads images", "dataset '" + dataset + "' is a CSV table in this site's catalogue;"
          + " an image job needs an entry with \"kind\": \"images\" and an image folder as its path");
    }
    if (split == Split.EVAL && !entry.hasEval()) {
      throw new SiteDataException(SiteDataException.Kind.UNAVAILABLE, "dataset '" + dataset
          + "' has no evaluation split at this site", "dataset '" + dataset + "' has neither eval_path nor"
          + " eval_listing in this site's catalogue, so the site cannot evaluate on it");
    }
    Path folder = split == Split.TRAIN || entry.evalPath() == null ? entry.path() : entry.evalPath();
    Path listing = split == Split.TRAIN ? entry.listing() : entry.evalListing();
    return ImageListing.of(dataset, folder, listing, entry.localColumn(labelColumn), classes);
  }

  /**
   * The job's schema with column names translated to this site's local names.
   *
   * @throws SiteDataException if the translation makes two of the job's columns one local column
   *     (or the label a feature), which would read one column twice
   */
  public FeatureSchema localSchema(DatasetBinding binding) {
    DatasetEntry entry = entry(binding.getName());
    try {
      List<FeatureSchema.CategoricalColumn> categorical = binding.getCategoricalFeaturesList().stream()
          .map(c -> new FeatureSchema.CategoricalColumn(entry.localColumn(c.getColumn()),
              c.getCategoriesList()))
          .toList();
      return new FeatureSchema(
          binding.getNumericFeaturesList().stream().map(entry::localColumn).toList(),
          categorical, entry.localColumn(binding.getLabelColumn()), binding.getLabelClassesList(),
          missingValues(binding));
    } catch (IllegalArgumentException e) {
      throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset '" + binding.getName()
          + "': this site's column mapping does not give the job's columns distinct local columns",
          "dataset '" + binding.getName() + "': " + e.getMessage(), e);
    }
  }

  /** The binding's missing-values policy; the site's task checks have refused an unknown one. */
  private static MissingValues missingValues(DatasetBinding binding) {
    return binding.getMissingValues().isEmpty() ? MissingValues.REFUSE
        : MissingValues.byKey(binding.getMissingValues()).orElse(MissingValues.REFUSE);
  }

  /**
   * The job's sequence ({@code dataset.sequence}) with its group and order columns translated to
   * this site's names.
   */
  public io.factoryfl.core.data.SequenceSpec localSequence(String dataset, io.factoryfl.core.data.SequenceSpec job) {
    DatasetEntry entry = entry(dataset);
    try {
      return new io.factoryfl.core.data.SequenceSpec(entry.localColumn(job.group()), entry.localColumn(job.order()),
          job.window(), job.evalRows());
    } catch (IllegalArgumentException e) {
      throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset '" + dataset
          + "': this site's column mapping makes the sequence's group and order one column",
          "dataset '" + dataset + "': " + e.getMessage(), e);
    }
  }

  private DatasetEntry entry(String dataset) {
    DatasetEntry entry = entries.get(dataset);
    if (entry == null) {
      throw new SiteDataException(SiteDataException.Kind.UNAVAILABLE, "dataset '" + dataset
          + "' is not in this site's catalogue", "dataset '" + dataset
          + "' is not in this site's catalogue " + names());
    }
    return entry;
  }
}
