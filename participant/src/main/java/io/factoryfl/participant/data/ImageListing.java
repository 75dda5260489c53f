package io.factoryfl.participant.data;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The images of one split of a site's image dataset: their files and class indices, and nothing
 * else, so a folder larger than memory can be listed; the pixels are read batch by batch ({@link
 * ImageBatches}).
 *
 * <p>Two layouts. Without a listing, every subfolder of the folder is a class, named as in the
 * job's {@code label_classes}, and holds that class's images (PNG, JPEG, BMP; other files and hidden
 * ones are skipped). With a listing CSV, its header names a {@code path} column and the label
 * column, and each row lists an image by its path relative to the folder; a path that leaves the
 * folder (absolute, {@code ..}, or a link pointing outside) is refused.
 *
 * <p>Every problem is a {@link SiteDataException} whose public message names only the dataset;
 * file names, paths and the listing's lines stay in the local detail.
 */
public final class ImageListing {
  private static final Logger LOG = LoggerFactory.getLogger(ImageListing.class);
  /** File endings of the images a site reads (javax.imageio's PNG, JPEG and BMP readers). */
  static final Set<String> IMAGE_ENDINGS = Set.of("png", "jpg", "jpeg", "bmp");
  private static final String PATH_COLUMN = "path";

  private final Path folder;
  private final String[] files;
  private final int[] labels;
  private final List<String> classes;

  private ImageListing(Path folder, List<String> files, List<Integer> labels, List<String> classes) {
    this.folder = folder;
    this.files = files.toArray(String[]::new);
    this.labels = labels.stream().mapToInt(Integer::intValue).toArray();
    this.classes = List.copyOf(classes);
  }

  /**
   * Lists a split.
   *
   * @param dataset the catalogue name, for messages
   * @param folder the split's image folder
   * @param listing the listing CSV, or null for class subfolders
   * @param labelColumn the listing's label column (this site's name for it)
   * @param classes the job's classes, in output order
   * @throws SiteDataException if the folder is missing, a class folder is empty or not a class of
   *     the job, the listing is malformed, names a class not in the job, a missing file or a path
   *     outside the folder, or the split holds no images
   */
  public static ImageListing of(String dataset, Path folder, Path listing, String labelColumn, List<String> classes) {
    if (!Files.isDirectory(folder)) {
      throw new SiteDataException(SiteDataException.Kind.UNAVAILABLE, "dataset '" + dataset
          + "': the image folder cannot be read at this site", "dataset '" + dataset + "': image folder " + folder
          + " does not exist or is not a directory; fix path or eval_path in the site config");
    }
    ImageListing images = listing == null ? fromSubfolders(dataset, folder, classes)
        : fromListing(dataset, folder, listing, labelColumn, classes);
    if (images.size() == 0) {
      throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset '" + dataset
          + "' has no images at this site", "dataset '" + dataset + "': no images (PNG, JPEG, BMP) in " + folder
          + (listing == null ? " (expected one subfolder per class " + classes + ")" : " listed by " + listing));
    }
    return images;
  }

  /**
   * Images whose classes are not known, for prediction: {@code files} relative to {@code folder},
   * each with label -1. The caller has checked that they are image files inside the folder.
   */
  public static ImageListing unlabelled(Path folder, List<String> files, List<String> classes) {
    return new ImageListing(folder, files, java.util.Collections.nCopies(files.size(), -1), classes);
  }

  private static ImageListing fromSubfolders(String dataset, Path folder, List<String> classes) {
    List<Path> subfolders = new ArrayList<>();
    int skipped = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
      for (Path entry : entries) {
        if (Files.isDirectory(entry) && !hidden(entry)) {
          subfolders.add(entry);
        } else {
          skipped++;
        }
      }
    } catch (IOException e) {
      throw unreadable(dataset, folder, e);
    }
    subfolders.sort(null);
    List<String> files = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (Path subfolder : subfolders) {
      String name = subfolder.getFileName().toString();
      int label = classes.indexOf(name);
      if (label < 0) {
        throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset '" + dataset + "' has a class folder"
            + " that is not one of the job's label classes", "dataset '" + dataset + "': class folder '" + name
            + "' in " + folder + " is not one of the job's label classes " + classes
            + "; rename it to one of them, or move it out of the dataset folder");
      }
      List<String> images = new ArrayList<>();
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(subfolder)) {
        for (Path entry : entries) {
          if (Files.isRegularFile(entry) && !hidden(entry) && isImage(entry)) {
            images.add(name + "/" + entry.getFileName());
          } else {
            skipped++;
          }
        }
      } catch (IOException e) {
        throw unreadable(dataset, subfolder, e);
      }
      if (images.isEmpty()) {
        throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset '" + dataset + "' has an empty class"
            + " folder at this site", "dataset '" + dataset + "': class folder " + subfolder + " holds no images"
            + " (PNG, JPEG, BMP); add its images or remove the folder");
      }
      images.sort(null);
      for (String image : images) {
        files.add(image);
        labels.add(label);
      }
    }
    if (skipped > 0) {
      LOG.info("dataset '{}': skipped {} entries of {} that are not class folders or images", dataset, skipped,
          folder);
    }
    return new ImageListing(folder, files, labels, classes);
  }

  private static ImageListing fromListing(String dataset, Path folder, Path listing, String labelColumn,
      List<String> classes) {
    Path root;
    try {
      root = folder.toRealPath();
    } catch (IOException e) {
      throw unreadable(dataset, folder, e);
    }
    List<String> files = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build();
    try (Reader reader = Files.newBufferedReader(listing, StandardCharsets.UTF_8);
        CSVParser parser = format.parse(reader)) {
      for (String column : List.of(PATH_COLUMN, labelColumn)) {
        if (!parser.getHeaderMap().containsKey(column)) {
          throw invalidListing(dataset, listing, "has no column '" + column + "' in its header "
              + parser.getHeaderNames() + "; a listing needs 'path' and the label column (map the job's label"
              + " to this site's column with \"columns\")");
        }
      }
      for (CSVRecord row : parser) {
        if (!row.isConsistent()) {
          throw invalidListing(dataset, listing, "line " + parser.getCurrentLineNumber() + " has " + row.size()
              + " cells but the header has " + parser.getHeaderNames().size());
        }
        String file = row.get(PATH_COLUMN);
        String label = row.get(labelColumn);
        int index = classes.indexOf(label);
        if (index < 0) {
          throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset '" + dataset + "' lists an image"
              + " of a class that is not one of the job's label classes", "dataset '" + dataset + "': " + listing
              + " line " + parser.getCurrentLineNumber() + " labels '" + file + "' as '" + label
              + "', which is not one of the job's label classes " + classes);
        }
        files.add(inside(dataset, root, listing, parser.getCurrentLineNumber(), file));
        labels.add(index);
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new SiteDataException(SiteDataException.Kind.UNAVAILABLE, "dataset '" + dataset
          + "': the image listing cannot be read at this site", "dataset '" + dataset + "': listing " + listing
          + " cannot be read: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      if (e instanceof SiteDataException site) {
        throw site;
      }
      throw invalidListing(dataset, listing, "is not a well-formed CSV file: " + e.getMessage());
    }
    return new ImageListing(root, files, labels, classes);
  }

  /** {@code file} relative to {@code root}, if it is an image file inside it. */
  private static String inside(String dataset, Path root, Path listing, long line, String file) {
    Path resolved;
    try {
      Path relative = Path.of(file);
      resolved = relative.isAbsolute() ? null : root.resolve(relative).normalize();
    } catch (InvalidPathException e) {
      resolved = null;
    }
    if (resolved == null || !resolved.startsWith(root)) {
      throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset '" + dataset + "' lists an image"
          + " outside its folder", "dataset '" + dataset + "': " + listing + " line " + line + " lists '" + file
          + "', which is not a path inside the image folder " + root + "; list paths relative to it");
    }
    if (!Files.isRegularFile(resolved)) {
      throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset '" + dataset + "' lists an image that"
          + " does not exist at this site", "dataset '" + dataset + "': " + listing + " line " + line + " lists '"
          + file + "', but " + resolved + " is not a file");
    }
    try {
      if (!resolved.toRealPath().startsWith(root)) {
        throw new SiteDataException(SiteDataException.Kind.INVALID, "dataset '" + dataset + "' lists an image"
            + " outside its folder", "dataset '" + dataset + "': " + listing + " line " + line + " lists '" + file
            + "', a link to a file outside the image folder " + root);
      }
    } catch (IOException e) {
      throw unreadable(dataset, resolved, e);
    }
    return root.relativize(resolved).toString();
  }

  private static boolean hidden(Path entry) {
    return entry.getFileName().toString().startsWith(".");
  }

  /** Whether {@code file} is named as an image a site reads: a PNG, JPEG or BMP file ending. */
  public static boolean isImage(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 && IMAGE_ENDINGS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  private static SiteDataException unreadable(String dataset, Path path, IOException e) {
    return new SiteDataException(SiteDataException.Kind.UNAVAILABLE, "dataset '" + dataset
        + "': the image folder cannot be read at this site", "dataset '" + dataset + "': cannot read " + path
        + ": " + e, e);
  }

  private static SiteDataException invalidListing(String dataset, Path listing, String problem) {
    return new SiteDataException(SiteDataException.Kind.INVALID, "dataset '" + dataset
        + "': the image listing at this site is not well-formed", "dataset '" + dataset + "': listing " + listing
        + " " + problem);
  }

  /** Number of images. */
  public int size() {
    return files.length;
  }

  /** The job's classes, in output order. */
  public List<String> classes() {
    return classes;
  }

  /** The file of image {@code i}. */
  Path file(int i) {
    return folder.resolve(files[i]);
  }

  /** The path of image {@code i} relative to the folder, as a listing or a prediction names it. */
  public String relativePath(int i) {
    return files[i];
  }

  /** The class index of image {@code i}, or -1 if it is {@link #unlabelled}. */
  public int label(int i) {
    return labels[i];
  }

  /** Images per class, in class order: the only figures about the split that may leave the site. */
  public long[] classCounts() {
    long[] counts = new long[classes.size()];
    for (int label : labels) {
      if (label < 0) {
        continue;
      }
      counts[label]++;
    }
    return counts;
  }

  @Override
  public String toString() {
    return "ImageListing[images=" + files.length + ", classCounts=" + Arrays.toString(classCounts()) + "]";
  }
}
