package io.factoryfl.simulation.datasets;

import io.factoryfl.participant.data.CsvTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The NEU surface-defect images (Northeastern University, K. Song and Y. Yan: 1,800 grey 200 x 200
 * PNGs of hot-rolled steel strip, 300 in each of six defect classes), read where they lie: their
 * licence states no terms, so the project never bundles or copies them; a user points the scenario
 * at a folder. The folder holds {@code labels.csv} ({@code path,class,...,plant_acq_block,
 * plant_label_skew,...}, paths relative to the folder) and the images it lists.
 *
 * @param folder the NEU folder ({@code labels.csv} and the images it lists)
 * @param images every listed image in listing order
 */
public record NeuSurface(Path folder, List<Image> images) {
  public static final String NAME = "neu-surface";
  public static final String LABEL = "class";
  /** The six defect classes in output order (NEU's own order, {@code class_id} 0 to 5). */
  public static final List<String> CLASSES =
      List.of("crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches");
  /** Where a checkout beside the shared data finds the images (relative to the working directory). */
  public static final Path DEFAULT_FOLDER = Path.of("..", "shared", "data", "neu-surface-defects");
  /** Where to get the images, for messages and the README. */
  public static final String WHERE_TO_GET = "the NEU surface defect database (K. Song and Y. Yan, Northeastern"
      + " University; its NEU-DET edition is copied on GitHub) as images/<class>/<class>_<n>.png with a"
      + " labels.csv listing path,class,plant_acq_block,plant_label_skew (README, \"--scenario neu-surface\")";

  /** One listed image: its path relative to the folder, its class and its plant in each split. */
  public record Image(String path, String label, String acquisitionPlant, String labelSkewPlant) {
    public Image {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(label, "label");
    }

    /** The plant this image belongs to in {@code split}. */
    public String plant(Split split) {
      return split == Split.ACQUISITION_BLOCK ? acquisitionPlant : labelSkewPlant;
    }
  }

  /** The two non-IID plant splits of {@code labels.csv}. */
  public enum Split {
    /** 4 plants x 450 images by acquisition block: brightness drifts between plants (feature skew). */
    ACQUISITION_BLOCK("acq-block", "plant_acq_block"),
    /** 4 plants by a Dirichlet(0.5) draw over the classes (label skew). */
    LABEL_SKEW("label-skew", "plant_label_skew");

    private final String key;
    private final String column;

    Split(String key, String column) {
      this.key = key;
      this.column = column;
    }

    /** The command line's name ({@code --split}). */
    public String key() {
      return key;
    }

    /** Its column in {@code labels.csv}. */
    public String column() {
      return column;
    }

    /** The split named {@code key}, or null. */
    public static Split of(String key) {
      for (Split split : values()) {
        if (split.key.equals(key)) {
          return split;
        }
      }
      return null;
    }
  }

  public NeuSurface {
    Objects.requireNonNull(folder, "folder");
    images = List.copyOf(images);
  }

  /**
   * Reads {@code folder/labels.csv}.
   *
   * @throws IllegalArgumentException naming the folder and where to get the images if it holds no
   *     {@code labels.csv}, or naming the column or line if the listing lacks a column, lists a
   *     class that is not NEU's or a file that is not there, or the listing is malformed
   * @throws java.io.UncheckedIOException if {@code labels.csv} cannot be read (names the file)
   */
  public static NeuSurface load(Path folder) {
    Path labels = folder.resolve("labels.csv");
    if (!Files.isRegularFile(labels)) {
      throw new IllegalArgumentException("the NEU surface-defect images were not found at "
          + folder.toAbsolutePath().normalize() + " (no labels.csv there); they are not part of the project: get "
          + WHERE_TO_GET + " and pass their folder with --data DIR");
    }
    CsvTable table = CsvTable.read(labels);
    for (String column : List.of("path", LABEL, Split.ACQUISITION_BLOCK.column(), Split.LABEL_SKEW.column())) {
      if (!table.hasColumn(column)) {
        throw new IllegalArgumentException(labels + " has no column '" + column + "'; it needs path, class, "
            + Split.ACQUISITION_BLOCK.column() + " and " + Split.LABEL_SKEW.column());
      }
    }
    List<Image> images = new ArrayList<>(table.rows());
    for (int row = 0; row < table.rows(); row++) {
      Image image = new Image(table.value(row, "path"), table.value(row, LABEL),
          table.value(row, Split.ACQUISITION_BLOCK.column()), table.value(row, Split.LABEL_SKEW.column()));
      if (!CLASSES.contains(image.label())) {
        throw new IllegalArgumentException(labels + " line " + table.lineNumber(row) + ": class '" + image.label()
            + "' is not one of NEU's " + CLASSES);
      }
      if (!Files.isRegularFile(folder.resolve(image.path()))) {
        throw new IllegalArgumentException(labels + " line " + table.lineNumber(row) + " lists '" + image.path()
            + "', which is not a file in " + folder.toAbsolutePath().normalize() + "; restore the images or"
            + " the listing");
      }
      images.add(image);
    }
    return new NeuSurface(folder.toAbsolutePath().normalize(), images);
  }
}
