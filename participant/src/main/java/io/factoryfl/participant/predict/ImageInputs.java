package io.factoryfl.participant.predict;

import io.factoryfl.participant.data.ImageListing;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * The images {@code predict} and {@code evaluate} score: {@code --images FOLDER}, optionally with
 * {@code --listing CSV}, in the order a site lists them. Messages name the folder, file and line,
 * since the person running the command is at the site and owns them.
 *
 * <p>{@link #labelled} is a site's own reading ({@link ImageListing#of}): class subfolders, or a
 * listing with a {@code path} and a label column. {@link #unlabelled} reads the listing's {@code
 * path} column only, or, without a listing, every image in the folder and its subfolders (files
 * before subfolders, each sorted by name: for class subfolders exactly a site's order).
 */
final class ImageInputs {
  private static final String PATH_COLUMN = "path";

  private ImageInputs() {}

  /**
   * The labelled images of {@code folder}: its class subfolders, or the images {@code listing}
   * lists with their classes in {@code labelColumn}.
   *
   * @throws IllegalArgumentException if the folder is missing, or a class, path or image does not
   *     fit (as a site's catalogue refuses it)
   */
  static ImageListing labelled(String dataset, Path folder, Path listing, String labelColumn, List<String> classes) {
    requireFolder(folder, listing);
    return ImageListing.of(dataset, folder, listing, labelColumn, classes);
  }

  /** Every image of {@code folder}, or every image {@code listing} lists in it, without classes. */
  static ImageListing unlabelled(Path folder, Path listing, List<String> classes) throws IOException {
    requireFolder(folder, listing);
    Path root = folder.toRealPath();
    List<String> files = listing == null ? walk(root) : listed(root, listing);
    if (files.isEmpty()) {
      throw new IllegalArgumentException(listing == null
          ? "--images " + folder + " holds no PNG, JPEG or BMP images, in itself or its subfolders"
          : "--listing " + listing + " lists no images");
    }
    return ImageListing.unlabelled(root, files, classes);
  }

  private static void requireFolder(Path folder, Path listing) {
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException("--images " + folder + " is not a folder; give the folder that holds"
          + " the images (class subfolders, or the images a --listing CSV names relative to it)");
    }
    if (listing != null && !Files.isRegularFile(listing)) {
      throw new IllegalArgumentException("--listing " + listing + " is not a readable file; give a CSV with a"
          + " 'path' column of image paths relative to " + folder);
    }
  }

  /** The images under {@code dir}, relative to {@code root}: files first, then each subfolder's. */
  private static List<String> walk(Path root) throws IOException {
    List<String> files = new ArrayList<>();
    walk(root, root, files, new HashSet<>());
    return files;
  }

  private static void walk(Path root, Path dir, List<String> files, Set<Path> visited) throws IOException {
    if (!visited.add(dir.toRealPath())) {
      return; // a link back to a folder already read
    }
    List<String> images = new ArrayList<>();
    List<Path> subfolders = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        if (entry.getFileName().toString().startsWith(".")) {
          continue;
        }
        if (Files.isDirectory(entry)) {
          subfolders.add(entry);
        } else if (Files.isRegularFile(entry) && ImageListing.isImage(entry)) {
          images.add(root.relativize(entry).toString());
        }
      }
    }
    images.sort(null);
    files.addAll(images);
    subfolders.sort(null);
    for (Path subfolder : subfolders) {
      walk(root, subfolder, files, visited);
    }
  }

  /** The {@code path} column of {@code listing}, each an image file inside {@code root}. */
  private static List<String> listed(Path root, Path listing) throws IOException {
    List<String> files = new ArrayList<>();
    CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build();
    try (Reader reader = Files.newBufferedReader(listing, StandardCharsets.UTF_8);
        CSVParser parser = format.parse(reader)) {
      if (!parser.getHeaderMap().containsKey(PATH_COLUMN)) {
        throw new IllegalArgumentException("--listing " + listing + " has no 'path' column in its header "
            + parser.getHeaderNames() + "; a listing names each image's path relative to the --images folder");
      }
      for (CSVRecord row : parser) {
        files.add(inside(root, listing, parser.getCurrentLineNumber(), row.get(PATH_COLUMN)));
      }
    } catch (java.io.UncheckedIOException | IllegalStateException e) {
      // Commons CSV reports a malformed line so
      throw new IllegalArgumentException("--listing " + listing + " is not a well-formed CSV file: "
          + e.getMessage());
    }
    return files;
  }

  private static String inside(Path root, Path listing, long line, String file) throws IOException {
    Path resolved = null;
    try {
      Path relative = Path.of(file);
      resolved = relative.isAbsolute() ? null : root.resolve(relative).normalize();
    } catch (InvalidPathException e) {
      // reported below as not a path inside the folder
    }
    if (resolved == null || !resolved.startsWith(root)) {
      throw new IllegalArgumentException("--listing " + listing + " line " + line + " lists '" + file
          + "', which is not a path inside the --images folder " + root + "; list paths relative to it");
    }
    if (!Files.isRegularFile(resolved) || !resolved.toRealPath().startsWith(root)) {
      throw new IllegalArgumentException("--listing " + listing + " line " + line + " lists '" + file
          + "', but " + resolved + " is not a file inside the --images folder");
    }
    return root.relativize(resolved).toString();
  }
}
