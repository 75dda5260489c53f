package io.factoryfl.participant.predict;

import io.factoryfl.core.bundle.BundleCard;
import io.factoryfl.core.bundle.ModelBundle;
import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.HelpRequested;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.task.EvaluationMetrics;
import io.factoryfl.core.task.EvaluationSums;
import io.factoryfl.core.task.TaskFamily;
import io.factoryfl.core.task.TaskKind;
import io.factoryfl.core.text.Printable;
import io.factoryfl.participant.config.DatasetEntry;
import io.factoryfl.participant.config.ParticipantConfig;
import io.factoryfl.participant.data.ImageListing;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * {@code factoryfl predict} and {@code factoryfl evaluate}: score a CSV, or an image model's image
 * folder, at a site with a model bundle from {@code job model}. Column names follow the job; a site
 * whose columns are named otherwise maps them as its participant catalogue does ({@code --config
 * site.json --dataset NAME}) or with {@code --columns job=local,...}.
 */
public final class PredictCommand {
  static final String PREDICT_HELP = """
      Usage: factoryfl predict --model BUNDLE --data FILE.csv --out PREDICTIONS.csv
                               [--key COL,COL...] [--columns JOB=LOCAL,...]
                               [--config site.json --dataset NAME]
             factoryfl predict --model BUNDLE --images FOLDER [--listing LISTING.csv] --out PREDICTIONS.csv
        Scores every row of FILE.csv with the model bundle written by `factoryfl job model` and writes
        the key columns then the prediction: predicted_class and one probability column per class
        (p_CLASS) for a classifier, predicted_LABEL for a regressor. The key columns default to the
        file's columns the model does not read. The file is read in chunks, so any size works.
        --columns      job column names mapped to this file's own, as in the participant catalogue
        --config/--dataset  take that mapping from a participant config's dataset entry
        An image model (a job with dataset.images) scores images instead, read as the job's sites read
        them (size, channels, normalisation, resize; never augmented), and writes path (relative to
        FOLDER), predicted_class and p_CLASS per class:
        --images       the folder: every PNG, JPEG or BMP image in it and its subfolders (class
                       subfolders, or a flat folder of unlabelled images)
        --listing      a CSV whose 'path' column names the images to score, relative to FOLDER
      """;
  static final String EVALUATE_HELP = """
      Usage: factoryfl evaluate --model BUNDLE --data FILE.csv[,FILE.csv...]
                                [--columns JOB=LOCAL,...] [--config site.json --dataset NAME]
             factoryfl evaluate --model BUNDLE --images FOLDER [--listing LISTING.csv]
                                [--columns LABEL=LOCAL] [--config site.json --dataset NAME]
        Prints the task's metrics of the model bundle on the labelled rows of the files together,
        computed exactly as the federation's evaluation computes them (binary: ROC-AUC, PR-AUC,
        accuracy...; multiclass: macro-F1, balanced accuracy, the confusion matrix...; regression:
        RMSE, MAE, R^2). On the sites' held-out files it reproduces the job's last evaluation.
        An image model scores the labelled images of FOLDER as a site does: one subfolder per class,
        named as the job's classes, or the images LISTING.csv names in its 'path' column with their
        class in the job's label column (mapped with --columns or --config/--dataset).
      """;

  private PredictCommand() {}

  /** Runs {@code predict} or {@code evaluate}; returns the exit code. */
  public static int run(String command, String[] args, PrintStream out, PrintStream err) {
    boolean predict = command.equals("predict");
    String help = predict ? PREDICT_HELP : EVALUATE_HELP;
    try {
      Set<String> valued = predict
          ? Set.of("--model", "--data", "--images", "--listing", "--out", "--key", "--columns", "--config", "--dataset")
          : Set.of("--model", "--data", "--images", "--listing", "--columns", "--config", "--dataset");
      Flags flags = Flags.parse(command, args, valued, Set.of());
      ModelBundle bundle = readBundle(command, Path.of(flags.required("--model")));
      Map<String, String> columns = columns(command, flags);
      if (bundle.card().images().isPresent()) {
        scoreImages(command, flags, bundle, columns, out);
        return 0;
      }
      if (flags.has("--images") || flags.has("--listing")) {
        throw new UsageException(command, "the model of job " + bundle.card().jobId() + " reads table rows, not"
            + " images; give its CSV file with --data FILE.csv");
      }
      BundleScorer scorer = new BundleScorer(bundle, columns);
      if (predict) {
        Path data = existing(command, "--data", flags.required("--data"));
        Path target = Path.of(flags.required("--out"));
        long rows = predict(scorer, data, target, flags.get("--key", null));
        out.println(wrote(rows, bundle.card(), target));
      } else {
        EvaluationSums sums = null;
        for (String file : flags.required("--data").split(",")) {
          EvaluationSums one = scorer.evaluate(existing(command, "--data", file.trim()));
          sums = sums == null ? one : sums.merge(one);
        }
        print(bundle.card(), bundle.card().family().metrics(sums), "rows", out);
      }
      return 0;
    } catch (HelpRequested e) {
      out.print(help);
      return 0;
    } catch (UsageException e) {
      err.println(e.command() + ": " + e.getMessage());
      err.print(help);
      return 2;
    } catch (IllegalArgumentException | UncheckedIOException e) {
      err.println(command + ": " + Printable.escape(e.getMessage()));
      return 1;
    } catch (IOException e) {
      err.println(command + ": cannot read or write a file: " + Printable.escape(String.valueOf(e.getMessage())));
      return 1;
    }
  }

  /** {@code predict} or {@code evaluate} of an image model on {@code --images FOLDER [--listing CSV]}. */
  private static void scoreImages(String command, Flags flags, ModelBundle bundle, Map<String, String> columns,
      PrintStream out) throws IOException, UsageException {
    BundleCard card = bundle.card();
    if (flags.has("--data")) {
      io.factoryfl.core.data.ImageSpec images = card.images().orElseThrow();
      throw new UsageException(command, "the model of job " + card.jobId() + " reads images (" + images.height()
          + " x " + images.width() + " pixels, " + images.channels()
          + (images.channels() == 1 ? " channel" : " channels")
          + "), not CSV rows; give the image folder with --images FOLDER [--listing LISTING.csv]");
    }
    if (flags.has("--key")) {
      throw new UsageException(command, "--key names table columns; an image's prediction is keyed by its path");
    }
    Path folder = Path.of(flags.required("--images"));
    Path listing = flags.has("--listing") ? Path.of(flags.get("--listing", null)) : null;
    List<String> classes = card.schema().labelClasses();
    ImageScorer scorer = new ImageScorer(bundle);
    if (command.equals("predict")) {
      Path target = Path.of(flags.required("--out"));
      ImageListing images = ImageInputs.unlabelled(folder, listing, classes);
      List<String> header = new ArrayList<>(List.of("path", "predicted_class"));
      classes.forEach(c -> header.add("p_" + c));
      writeCsv(target, header, printer -> scorer.predict(images, (path, probabilities) -> {
        List<String> record = new ArrayList<>(List.of(path, classes.get(argmax(probabilities))));
        for (float p : probabilities) {
          record.add(Float.toString(p));
        }
        print(printer, record);
      }));
      out.println(wrote(images.size(), card, target));
    } else {
      String label = columns.getOrDefault(card.schema().labelColumn(), card.schema().labelColumn());
      ImageListing images = ImageInputs.labelled(card.dataset(), folder, listing, label, classes);
      print(card, card.family().metrics(scorer.evaluate(images)), "images", out);
    }
  }

  private static String wrote(long predictions, BundleCard card, Path target) {
    return Printable.escape("wrote " + predictions + " predictions of model " + card.modelHash() + " (job "
        + card.jobId() + ", round " + card.round() + ") to " + target);
  }

  private static ModelBundle readBundle(String command, Path file) throws IOException, UsageException {
    if (!Files.isRegularFile(file)) {
      throw new UsageException(command, "--model " + file + " is not a file; write one with"
          + " `factoryfl job model JOB_ID --out " + file + "`");
    }
    return ModelBundle.read(file);
  }

  private static Path existing(String command, String flag, String value) throws UsageException {
    Path path = Path.of(value);
    if (!Files.isRegularFile(path)) {
      throw new UsageException(command, flag + " " + value + " is not a readable file");
    }
    return path;
  }

  /** The site's column mapping: --columns, or a participant config's dataset entry. */
  private static Map<String, String> columns(String command, Flags flags) throws UsageException {
    if (flags.has("--columns") && flags.has("--config")) {
      throw new UsageException(command, "give --columns or --config with --dataset, not both");
    }
    if (flags.has("--config")) {
      ParticipantConfig config = ParticipantConfig.load(Path.of(flags.get("--config", null)));
      String name = flags.required("--dataset");
      DatasetEntry entry = config.datasets().get(name);
      if (entry == null) {
        throw new UsageException(command, "--dataset " + name + " is not in " + flags.get("--config", null)
            + "; it has " + config.datasets().keySet());
      }
      return entry.columns();
    }
    Map<String, String> columns = new LinkedHashMap<>();
    if (flags.has("--columns")) {
      for (String pair : flags.get("--columns", "").split(",")) {
        String[] parts = pair.split("=", 2);
        if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
          throw new UsageException(command, "--columns needs JOB=LOCAL pairs separated by commas, got '" + pair + "'");
        }
        columns.put(parts[0].trim(), parts[1].trim());
      }
    }
    return columns;
  }

  private static long predict(BundleScorer scorer, Path data, Path target, String keyFlag) throws IOException {
    BundleCard card = scorer.card();
    FeatureSchema schema = card.schema();
    long[] rows = {0};
    writeCsv(target, null, printer -> {
      List<String> keys = new ArrayList<>();
      boolean[] started = {false};
      scorer.predict(data, (chunk, outputs) -> {
        if (!started[0]) {
          started[0] = true;
          keys.addAll(keyColumns(chunk.header(), schema, keyFlag));
          List<String> header = new ArrayList<>(keys);
          if (card.task() == TaskKind.REGRESSION) {
            header.add("predicted_" + schema.labelColumn());
          } else {
            header.add("predicted_class");
            schema.labelClasses().forEach(c -> header.add("p_" + c));
          }
          print(printer, header);
        }
        for (int row = 0; row < outputs.length; row++) {
          List<String> record = new ArrayList<>();
          for (String key : keys) {
            record.add(chunk.value(row, key));
          }
          float[] output = outputs[row];
          if (card.task() == TaskKind.REGRESSION) {
            record.add(Double.toString(card.labelScale().toLabel(output[0])));
          } else {
            record.add(schema.labelClasses().get(argmax(output)));
            for (float p : output) {
              record.add(Float.toString(p));
            }
          }
          print(printer, record);
          rows[0]++;
        }
      });
    });
    return rows[0];
  }

  /** What writes a predictions file's records, given its printer. */
  private interface CsvBody {
    void write(CSVPrinter printer) throws IOException;
  }

  /**
   * Writes {@code target} through a temporary file renamed at the end, so an interrupted run
   * leaves no partial predictions under the final name; {@code header} first, if given.
   */
  private static void writeCsv(Path target, List<String> header, CsvBody body) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path temp = Files.createTempFile(parent, target.getFileName().toString(), ".tmp");
    try {
      try (Writer writer = Files.newBufferedWriter(temp, StandardCharsets.UTF_8);
          CSVPrinter printer = new CSVPrinter(writer, CSVFormat.RFC4180.builder().setRecordSeparator('\n').build())) {
        if (header != null) {
          printer.printRecord(header);
        }
        body.write(printer);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void print(CSVPrinter printer, List<String> record) {
    try {
      printer.printRecord(record);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The most probable class (the first on a tie), as the task family's scoring picks it. */
  private static int argmax(float[] output) {
    int best = 0;
    for (int c = 1; c < output.length; c++) {
      if (output[c] > output[best]) {
        best = c;
      }
    }
    return best;
  }

  /** The requested key columns, or the file's columns the model does not read as features. */
  private static List<String> keyColumns(List<String> header, FeatureSchema schema, String keyFlag) {
    if (keyFlag != null) {
      List<String> keys = new ArrayList<>();
      for (String key : keyFlag.split(",")) {
        if (!header.contains(key.trim())) {
          throw new IllegalArgumentException("--key " + key.trim() + " is not a column of the file; it has " + header);
        }
        keys.add(key.trim());
      }
      return keys;
    }
    List<String> keys = new ArrayList<>(header);
    keys.removeAll(schema.featureColumns());
    return keys;
  }

  private static void print(BundleCard card, EvaluationMetrics metrics, String examples, PrintStream out) {
    out.println(Printable.escape("model " + card.modelHash() + " of job " + card.jobId() + " (round " + card.round()
        + ", " + card.task().key() + ") on " + metrics.numExamples() + " " + examples + ":"));
    metrics.values().forEach((name, value) -> out.println(String.format(Locale.ROOT, "  %-24s %.6f", name, value)));
    long[][] confusion = metrics.confusion();
    if (confusion.length > 0) {
      out.println("  confusion matrix (rows: true class, columns: predicted), classes "
          + Printable.escape(card.schema().labelClasses().toString()) + ":");
      for (long[] row : confusion) {
        StringBuilder line = new StringBuilder("   ");
        for (long count : row) {
          line.append(String.format(Locale.ROOT, " %8d", count));
        }
        out.println(line);
      }
    }
  }

  /** For tests and the federation comparison: the metrics of a bundle on files, as {@code evaluate} prints them. */
  static EvaluationMetrics metrics(ModelBundle bundle, Map<String, String> columns, List<Path> files)
      throws IOException {
    BundleScorer scorer = new BundleScorer(bundle, columns);
    TaskFamily task = bundle.card().family();
    EvaluationSums sums = task.newScoring(bundle.card().labelScale()).sums();
    for (Path file : files) {
      sums = sums.merge(scorer.evaluate(file));
    }
    return task.metrics(sums);
  }
}
