package io.factoryfl.core.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.core.data.ImageSpec.Augmentation;
import io.factoryfl.core.data.ImageSpec.PixelNormalization;
import io.factoryfl.core.task.TaskKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads and checks {@code dataset.images} ({@link ImageSpec}) and the {@code cnn} template that
 * reads images. An image job is a classification job whose examples are images a site lists from
 * a folder; the tabular fields of {@code dataset} do not apply to it and are refused.
 */
final class ImageSpecParser {
  static final String KEY = "images";
  /** The label column of a site's listing CSV when the spec names none. */
  static final String DEFAULT_LABEL = "label";
  private static final Set<String> FIELDS =
      Set.of("height", "width", "channels", "normalization", "resize", "augmentation");
  private static final Set<String> NORMALIZATION = Set.of("mean", "std");
  private static final Set<String> AUGMENTATION =
      Set.of("horizontal_flip", "vertical_flip", "rotation_degrees", "brightness");
  /** Fields of {@code dataset} that describe tabular rows. */
  private static final List<String> TABULAR =
      List.of("numeric_features", "categorical_features", "missing_values", "sequence", "label_clip");

  private ImageSpecParser() {}

  /** The spec's {@code dataset.images}, if it has one, checked against the rest of {@code dataset}. */
  static Optional<ImageSpec> parse(SpecNode dataset, TaskKind kind) {
    if (!dataset.has(KEY)) {
      return Optional.empty();
    }
    for (String field : TABULAR) {
      if (dataset.has(field)) {
        throw new InvalidJobSpecException(dataset.field(field), "describes table rows, but this is an image"
            + " job (dataset.images); remove it");
      }
    }
    if (kind == TaskKind.REGRESSION) {
      throw new InvalidJobSpecException("task", "was \"regression\", but an image job classifies images into"
          + " dataset.label_classes; use \"binary\" or \"multiclass\"");
    }
    if (!dataset.has("label_classes")) {
      throw new InvalidJobSpecException(dataset.field("label_classes"), "is required for an image job: the"
          + " classes in output order, as the sites' class folders or listing CSVs name them");
    }
    SpecNode node = dataset.object(KEY, FIELDS);
    for (String side : List.of("height", "width", "channels")) {
      if (!node.has(side)) {
        throw new InvalidJobSpecException(node.field(side), "is required"
            + (side.equals("channels") ? ": 1 (grey) or 3 (RGB)" : ": pixels, 1 to " + ImageSpec.MAX_SIDE));
      }
    }
    int height = node.integer("height", 1, 1, ImageSpec.MAX_SIDE);
    int width = node.integer("width", 1, 1, ImageSpec.MAX_SIDE);
    int channels = node.integer("channels", 1, 1, 3);
    if (channels == 2) {
      throw new InvalidJobSpecException(node.field("channels"), "was 2; must be 1 (grey) or 3 (RGB)");
    }
    ImageSpec spec = new ImageSpec(height, width, channels, normalization(node, channels),
        node.bool("resize", false), augmentation(node));
    try {
      spec.pixels();
    } catch (ArithmeticException e) {
      throw new InvalidJobSpecException(node.field("height"), "an image of " + height + " x " + width + " x "
          + channels + " values is too large");
    }
    return Optional.of(spec);
  }

  /**
   * An image job's schema: the channel intensities for the record (there are no tabular features),
   * the listing CSV's label column and the classes.
   */
  static FeatureSchema schema(SpecNode dataset, ImageSpec images, TaskKind kind) {
    String label = dataset.has("label") ? dataset.requiredString("label") : DEFAULT_LABEL;
    List<String> classes = dataset.strings("label_classes", true);
    if (classes.size() < 2) {
      throw new InvalidJobSpecException(dataset.field("label_classes"), "lists " + classes.size()
          + " class; a classifier needs at least 2");
    }
    if (TaskKind.ofClasses(classes.size()) != kind) {
      throw new InvalidJobSpecException(dataset.field("label_classes"), "lists " + classes.size()
          + " classes, but task is \"" + kind.key() + "\" (" + (kind == TaskKind.BINARY ? "exactly 2" : "3 or more")
          + " classes)");
    }
    try {
      return new FeatureSchema(images.channelNames(), List.of(), label, classes);
    } catch (IllegalArgumentException e) {
      throw new InvalidJobSpecException("dataset", e.getMessage());
    }
  }

  /** {@code "scale"} (the default) or {@code {"mean": [...], "std": [...]}}, one per channel. */
  private static PixelNormalization normalization(SpecNode node, int channels) {
    if (!node.has("normalization")) {
      return PixelNormalization.SCALE;
    }
    JsonNode raw = node.raw("normalization");
    String field = node.field("normalization");
    if (raw.isTextual()) {
      if (!raw.asText().equals("scale")) {
        throw new InvalidJobSpecException(field, "was " + SpecNode.describe(raw) + "; must be \"scale\" (values"
            + " scaled to [0, 1]) or {\"mean\": [...], \"std\": [...]} with one number per channel");
      }
      return PixelNormalization.SCALE;
    }
    SpecNode standardise = node.object("normalization", NORMALIZATION);
    List<Double> mean = numbers(standardise, "mean", channels);
    List<Double> std = numbers(standardise, "std", channels);
    for (int c = 0; c < channels; c++) {
      if (!(std.get(c) > 0)) {
        throw new InvalidJobSpecException(standardise.field("std") + "[" + c + "]", "was " + std.get(c)
            + "; a standard deviation must be greater than 0");
      }
    }
    return new PixelNormalization(mean, std);
  }

  private static List<Double> numbers(SpecNode node, String name, int channels) {
    JsonNode raw = node.raw(name);
    if (!node.has(name) || !raw.isArray() || raw.size() != channels) {
      throw new InvalidJobSpecException(node.field(name), "must be a list of " + channels + " number"
          + (channels == 1 ? "" : "s") + " (one per channel, in [0, 1] units), got " + SpecNode.describe(raw));
    }
    List<Double> values = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      if (!raw.get(i).isNumber() || !Double.isFinite(raw.get(i).asDouble())) {
        throw new InvalidJobSpecException(node.field(name) + "[" + i + "]", "must be a finite number, got "
            + SpecNode.describe(raw.get(i)));
      }
      values.add(raw.get(i).asDouble());
    }
    return values;
  }

  private static Augmentation augmentation(SpecNode node) {
    if (!node.has("augmentation")) {
      return Augmentation.NONE;
    }
    SpecNode augment = node.object("augmentation", AUGMENTATION);
    double rotation = fromZero(augment, "rotation_degrees", Augmentation.MAX_ROTATION, "degrees");
    double brightness = fromZero(augment, "brightness", 1, "in [0, 1] units");
    return new Augmentation(augment.bool("horizontal_flip", false), augment.bool("vertical_flip", false), rotation,
        brightness);
  }

  /** A number from 0 (off, the default) to {@code max}. */
  private static double fromZero(SpecNode node, String name, double max, String unit) {
    if (!node.has(name)) {
      return 0;
    }
    JsonNode value = node.raw(name);
    if (!value.isNumber() || !(value.asDouble() >= 0 && value.asDouble() <= max)) {
      throw new InvalidJobSpecException(node.field(name), "was " + SpecNode.describe(value) + "; must be a number"
          + " from 0 (off) to " + (max == Math.rint(max) ? String.valueOf((long) max) : String.valueOf(max)) + " ("
          + unit + ")");
    }
    return value.asDouble();
  }

  /**
   * The {@code cnn} template: {@code filters} (one convolution block per entry), {@code kernel}
   * (odd, default 3), dense {@code hidden_layers} (default none) and {@code batch_norm}.
   */
  static ModelSpec cnn(SpecNode model, Optional<ImageSpec> images,
      java.util.function.Function<String, List<Integer>> widths) {
    ImageSpec image = images.orElseThrow(() -> new InvalidJobSpecException(model.field("template"), "was \"cnn\","
        + " a template over images, but the job sets no dataset.images; add {\"height\": ..., \"width\": ...,"
        + " \"channels\": ...} or use \"mlp\""));
    List<Integer> filters = widths.apply("filters");
    List<Integer> hidden = widths.apply("hidden_layers");
    int kernel = model.integer("kernel", ModelSpec.DEFAULT_KERNEL, 1, Math.max(image.height(), image.width()));
    if (kernel % 2 == 0) {
      throw new InvalidJobSpecException(model.field("kernel"), "was " + kernel + "; a cnn kernel must be odd"
          + " (3, 5, ...) so that \"same\" padding keeps the image centred");
    }
    String mode = model.string("batch_norm", ModelSpec.BatchNorm.AGGREGATE.key());
    ModelSpec.BatchNorm batchNorm = ModelSpec.BatchNorm.byKey(mode).orElseThrow(() -> new InvalidJobSpecException(
        model.field("batch_norm"), "was \"" + mode + "\"; must be \"aggregate\" (batch normalisation whose"
            + " parameters and statistics are averaged like every other weight), \"local\" (FedBN: each site"
            + " keeps its own) or \"none\""));
    return ModelSpec.cnn(filters, kernel, hidden, batchNorm);
  }
}
