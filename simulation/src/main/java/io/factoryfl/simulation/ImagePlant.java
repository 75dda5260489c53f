package io.factoryfl.simulation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factoryfl.participant.data.CsvTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One simulated plant with image data: its images stay where they are, in {@code root} (generated
 * by a test, or a shared folder such as the NEU images read in place), and the plant's site lists
 * which of them it trains and evaluates on in two listing CSVs, {@code data/train.csv} and {@code
 * data/eval.csv} ({@code path,label}, paths relative to {@code root}), as plant IT would list a
 * folder it already has. A job over such a plant names its label column {@value #LABEL_COLUMN}
 * (the spec's default).
 *
 * @param name the plant's name, also its certificate identity
 * @param description one line about the plant, for reports
 * @param root the folder the listed paths are relative to
 * @param train the training images, in listing order
 * @param eval the held-out images, in listing order
 */
record ImagePlant(String name, String description, Path root, List<Image> train, List<Image> eval)
    implements Plant {
  /** The listings' class column, the job spec's default {@code dataset.label}. */
  static final String LABEL_COLUMN = "label";
  /** The training listing, relative to the site directory. */
  static final String TRAIN_LISTING = "data/train.csv";
  /** The held-out listing, relative to the site directory. */
  static final String EVAL_LISTING = "data/eval.csv";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One listed image: its path relative to the plant's root, and its class. */
  record Image(String path, String label) {
    Image {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(label, "label");
    }
  }

  ImagePlant {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    root = root.toAbsolutePath().normalize();
    train = List.copyOf(train);
    eval = List.copyOf(eval);
    if (train.isEmpty() || eval.isEmpty()) {
      throw new IllegalArgumentException("plant " + name + " lists " + train.size() + " training and "
          + eval.size() + " held-out images; it needs both");
    }
  }

  /** Writes the two listings and returns the catalogue entry of kind {@code images} over {@code root}. */
  @Override
  public String writeData(Path site) throws IOException {
    CsvWriter.write(listing(TRAIN_LISTING, train), site.resolve(TRAIN_LISTING));
    CsvWriter.write(listing(EVAL_LISTING, eval), site.resolve(EVAL_LISTING));
    ObjectNode entry = JSON.createObjectNode().put("kind", "images").put("path", root.toString())
        .put("listing", TRAIN_LISTING).put("eval_listing", EVAL_LISTING);
    return JSON.writeValueAsString(entry);
  }

  /** Writes a listing CSV ({@code path,label}) of {@code images}, their paths relative to the plant's root. */
  static void writeListing(Path csv, List<Image> images) throws IOException {
    CsvWriter.write(listing(csv.getFileName().toString(), images), csv);
  }

  private static CsvTable listing(String source, List<Image> images) {
    List<String[]> rows = new ArrayList<>(images.size());
    int[] lines = new int[images.size()];
    for (int i = 0; i < images.size(); i++) {
      rows.add(new String[] {images.get(i).path(), images.get(i).label()});
      lines[i] = i + 2;
    }
    return CsvTable.of(source, List.of("path", LABEL_COLUMN), rows, lines);
  }
}
