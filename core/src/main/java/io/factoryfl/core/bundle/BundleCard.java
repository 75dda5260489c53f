package io.factoryfl.core.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.core.data.Normalization;
import io.factoryfl.core.data.SequenceSpec;
import io.factoryfl.core.task.LabelClip;
import io.factoryfl.core.task.LabelScale;
import io.factoryfl.core.task.TaskFamily;
import io.factoryfl.core.task.TaskKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything besides the network that a plant needs to score raw rows with a job's model, and to
 * know which model it is: the job's columns in encoding order, the federation's standardisation,
 * the categories, the task with its label classes or label clipping and scale, and where the model
 * came from (job, round, model hash, spec hash). Written as {@code factoryfl-bundle.json} inside a
 * model bundle ({@link ModelBundle}).
 *
 * @param jobId the job that trained the model
 * @param jobName its name
 * @param round the round that committed the model
 * @param modelHash the model version hash (configuration and parameters)
 * @param specHash the hash of the job spec as submitted
 * @param schema the job's columns, categories, label and label classes (job names, not a site's)
 * @param normalization the numeric features' federated means and standard deviations
 * @param task binary, multiclass or regression
 * @param clip a regression label's clipping
 * @param labelScale a regression label's federated standardisation
 * @param regressionLoss a regression job's loss, {@code mse} or {@code mae}
 * @param histogramBins the score histogram bins of the job's federated evaluation, so that a
 *     plant's {@code evaluate} scores exactly as the federation did
 * @param sequence the job's windowing of rows into sensor sequences ({@code dataset.sequence}),
 *     so that a plant's CSV is windowed exactly as the sites' rows were; empty for a tabular job
 * @param images how an image job's sites read an image ({@code dataset.images}: size, channels,
 *     normalisation, resize), so that a plant's images are read exactly as the sites read their
 *     held-out images; never augmentation, which is for training only (a card drops it); empty for
 *     a job on table rows
 */
public record BundleCard(String jobId, String jobName, int round, String modelHash, String specHash,
    String dataset, FeatureSchema schema, Normalization normalization, TaskKind task, LabelClip clip,
    LabelScale labelScale, String regressionLoss, int histogramBins, Optional<SequenceSpec> sequence,
    Optional<ImageSpec> images) {
  /** The bundle format this code writes and reads. */
  public static final int FORMAT = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  public BundleCard {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(jobName, "jobName");
    Objects.requireNonNull(modelHash, "modelHash");
    Objects.requireNonNull(specHash, "specHash");
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(normalization, "normalization");
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(clip, "clip");
    Objects.requireNonNull(labelScale, "labelScale");
    Objects.requireNonNull(regressionLoss, "regressionLoss");
    Objects.requireNonNull(sequence, "sequence");
    Objects.requireNonNull(images, "images");
    if (round < 1) {
      throw new IllegalArgumentException("a bundle holds a committed round's model; round was " + round);
    }
    if (normalization.size() != schema.numericColumns().size()) {
      throw new IllegalArgumentException("the normalisation covers " + normalization.size() + " features, the"
          + " schema has " + schema.numericColumns().size() + " numeric columns");
    }
    if (task.isClassification() == schema.labelClasses().isEmpty()) {
      throw new IllegalArgumentException("a " + task.key() + " bundle with " + schema.labelClasses().size()
          + " label classes");
    }
    if (histogramBins < 1) {
      throw new IllegalArgumentException("histogramBins must be >= 1, was " + histogramBins);
    }
    String clash = sequence.map(s -> s.clash(schema)).orElse(null);
    if (clash != null) {
      throw new IllegalArgumentException("the sequence's " + clash + "; group and order are not features");
    }
    if (images.isPresent() && (sequence.isPresent() || !task.isClassification())) {
      throw new IllegalArgumentException("an image model classifies single images; a " + task.key() + " bundle"
          + (sequence.isPresent() ? " over sequences" : "") + " cannot read images");
    }
    images = images.map(BundleCard::forScoring);
  }

  /** A sequence or tabular job's card. */
  public BundleCard(String jobId, String jobName, int round, String modelHash, String specHash, String dataset,
      FeatureSchema schema, Normalization normalization, TaskKind task, LabelClip clip, LabelScale labelScale,
      String regressionLoss, int histogramBins, Optional<SequenceSpec> sequence) {
    this(jobId, jobName, round, modelHash, specHash, dataset, schema, normalization, task, clip, labelScale,
        regressionLoss, histogramBins, sequence, Optional.empty());
  }

  /** A tabular job's card: rows are examples of their own. */
  public BundleCard(String jobId, String jobName, int round, String modelHash, String specHash, String dataset,
      FeatureSchema schema, Normalization normalization, TaskKind task, LabelClip clip, LabelScale labelScale,
      String regressionLoss, int histogramBins) {
    this(jobId, jobName, round, modelHash, specHash, dataset, schema, normalization, task, clip, labelScale,
        regressionLoss, histogramBins, Optional.empty(), Optional.empty());
  }

  /** The image settings a plant scores with: the job's, without the training-only augmentation. */
  private static ImageSpec forScoring(ImageSpec images) {
    return images.augmentation().isNone() ? images : new ImageSpec(images.height(), images.width(),
        images.channels(), images.normalization(), images.resize(), ImageSpec.Augmentation.NONE);
  }

  /** The width of an encoded example: a row's features, a flattened window of rows, or an image's values. */
  public int numInputs() {
    if (images.isPresent()) {
      return images.get().pixels();
    }
    return sequence.map(s -> s.inputs(schema.numInputs())).orElse(schema.numInputs());
  }

  /** The task family the model was trained and evaluated with. */
  public TaskFamily family() {
    return TaskFamily.of(task, schema.labelClasses(), histogramBins, List.of(), clip, regressionLoss);
  }

  /** The card as JSON (field order fixed). */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("job_id", jobId);
    root.put("job_name", jobName);
    root.put("round", round);
    root.put("model_hash", modelHash);
    root.put("spec_hash", specHash);
    root.put("dataset", dataset);
    root.put("task", task.key());
    root.put("missing_values", schema.missingValues().key());
    ArrayNode numeric = root.putArray("numeric_features");
    for (int i = 0; i < schema.numericColumns().size(); i++) {
      numeric.addObject().put("column", schema.numericColumns().get(i))
          .put("mean", normalization.mean()[i]).put("std", normalization.std()[i]);
    }
    ArrayNode categorical = root.putArray("categorical_features");
    for (FeatureSchema.CategoricalColumn column : schema.categoricalColumns()) {
      ObjectNode entry = categorical.addObject().put("column", column.column());
      column.categories().forEach(entry.putArray("categories")::add);
    }
    ObjectNode label = root.putObject("label");
    label.put("column", schema.labelColumn());
    schema.labelClasses().forEach(label.putArray("classes")::add);
    if (task == TaskKind.REGRESSION) {
      if (clip.min() != null) {
        label.put("clip_min", clip.min());
      }
      if (clip.max() != null) {
        label.put("clip_max", clip.max());
      }
      label.put("mean", labelScale.mean()).put("std", labelScale.std()).put("loss", regressionLoss);
    }
    root.put("histogram_bins", histogramBins);
    sequence.ifPresent(s -> root.putObject("sequence").put("group", s.group()).put("order", s.order())
        .put("window", s.window()).put("eval_rows", s.evalRows().key()));
    images.ifPresent(i -> writeImages(root.putObject("images"), i));
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a bundle card cannot be written as JSON", e);
    }
  }

  /**
   * Reads a card.
   *
   * @throws IllegalArgumentException naming the field that is missing or wrong, or a format this
   *     code does not know
   */
  public static BundleCard fromJson(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the bundle's factoryfl-bundle.json is not JSON: "
          + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("the bundle's factoryfl-bundle.json is not a JSON object");
    }
    int format = root.path("format").asInt(-1);
    if (format != FORMAT) {
      throw new IllegalArgumentException("the bundle has format " + root.path("format") + "; this FactoryFL reads"
          + " format " + FORMAT + " (download the model again with a matching `job model`)");
    }
    try {
      TaskKind task = TaskKind.byKey(text(root, "task")).orElseThrow(
          () -> new IllegalArgumentException("task '" + root.path("task").asText() + "' is not known"));
      List<String> numeric = new ArrayList<>();
      List<Double> means = new ArrayList<>();
      List<Double> stds = new ArrayList<>();
      for (JsonNode feature : array(root, "numeric_features")) {
        numeric.add(text(feature, "column"));
        means.add(number(feature, "mean"));
        stds.add(number(feature, "std"));
      }
      List<FeatureSchema.CategoricalColumn> categorical = new ArrayList<>();
      for (JsonNode column : array(root, "categorical_features")) {
        List<String> categories = new ArrayList<>();
        array(column, "categories").forEach(c -> categories.add(c.asText()));
        categorical.add(new FeatureSchema.CategoricalColumn(text(column, "column"), categories));
      }
      JsonNode label = root.path("label");
      List<String> classes = new ArrayList<>();
      array(label, "classes").forEach(c -> classes.add(c.asText()));
      LabelClip clip = LabelClip.NONE;
      LabelScale scale = LabelScale.IDENTITY;
      String loss = "mse";
      if (task == TaskKind.REGRESSION) {
        clip = new LabelClip(label.has("clip_min") ? number(label, "clip_min") : null,
            label.has("clip_max") ? number(label, "clip_max") : null);
        scale = new LabelScale(number(label, "mean"), number(label, "std"));
        loss = text(label, "loss");
      }
      return new BundleCard(text(root, "job_id"), text(root, "job_name"), root.path("round").asInt(0),
          text(root, "model_hash"), text(root, "spec_hash"), text(root, "dataset"),
          new FeatureSchema(numeric, categorical, text(label, "column"), classes, missingValues(root)),
          new Normalization(means.stream().mapToDouble(Double::doubleValue).toArray(),
              stds.stream().mapToDouble(Double::doubleValue).toArray()),
          task, clip, scale, loss, root.path("histogram_bins").asInt(0), sequence(root), images(root));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the bundle's factoryfl-bundle.json is invalid: " + e.getMessage(), e);
    }
  }

  private static io.factoryfl.core.data.MissingValues missingValues(JsonNode root) {
    String key = text(root, "missing_values");
    return io.factoryfl.core.data.MissingValues.byKey(key).orElseThrow(
        () -> new IllegalArgumentException("missing_values '" + key + "' is not known"));
  }

  /** The card's {@code sequence}, absent for a tabular job. */
  private static Optional<SequenceSpec> sequence(JsonNode root) {
    JsonNode node = root.get("sequence");
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    JsonNode window = node.get("window");
    if (window == null || !window.isIntegralNumber()) {
      throw new IllegalArgumentException("'sequence.window' must be an integer");
    }
    String rows = text(node, "eval_rows");
    SequenceSpec.EvalRows evalRows = SequenceSpec.EvalRows.byKey(rows);
    if (evalRows == null) {
      throw new IllegalArgumentException("'sequence.eval_rows' is '" + rows + "'; it must be all or last");
    }
    return Optional.of(new SequenceSpec(text(node, "group"), text(node, "order"), window.asInt(), evalRows));
  }

  private static void writeImages(ObjectNode node, ImageSpec images) {
    node.put("height", images.height()).put("width", images.width()).put("channels", images.channels());
    if (images.normalization().isScaleOnly()) {
      node.put("normalization", "scale");
    } else {
      ObjectNode normalization = node.putObject("normalization");
      images.normalization().mean().forEach(normalization.putArray("mean")::add);
      images.normalization().std().forEach(normalization.putArray("std")::add);
    }
    node.put("resize", images.resize());
  }

  /** The card's {@code images}, absent for a job on table rows. */
  private static Optional<ImageSpec> images(JsonNode root) {
    JsonNode node = root.get("images");
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    JsonNode normalization = node.path("normalization");
    ImageSpec.PixelNormalization pixels;
    if (normalization.isTextual() && normalization.asText().equals("scale")) {
      pixels = ImageSpec.PixelNormalization.SCALE;
    } else if (normalization.isObject()) {
      pixels = new ImageSpec.PixelNormalization(numbers(normalization, "mean"), numbers(normalization, "std"));
    } else {
      throw new IllegalArgumentException("'images.normalization' must be \"scale\" or {\"mean\": [...],"
          + " \"std\": [...]}");
    }
    JsonNode resize = node.get("resize");
    if (resize == null || !resize.isBoolean()) {
      throw new IllegalArgumentException("'images.resize' must be true or false");
    }
    return Optional.of(new ImageSpec(integer(node, "height"), integer(node, "width"), integer(node, "channels"),
        pixels, resize.asBoolean(), ImageSpec.Augmentation.NONE));
  }

  private static List<Double> numbers(JsonNode node, String field) {
    List<Double> values = new ArrayList<>();
    for (JsonNode value : array(node, field)) {
      if (!value.isNumber()) {
        throw new IllegalArgumentException("'" + field + "' must be a list of numbers");
      }
      values.add(value.asDouble());
    }
    return values;
  }

  private static int integer(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isIntegralNumber() || !value.canConvertToInt()) {
      throw new IllegalArgumentException("'" + field + "' must be an integer");
    }
    return value.asInt();
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException("'" + field + "' must be a string");
    }
    return value.asText();
  }

  private static double number(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isNumber()) {
      throw new IllegalArgumentException("'" + field + "' must be a number");
    }
    return value.asDouble();
  }

  private static JsonNode array(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isArray()) {
      throw new IllegalArgumentException("'" + field + "' must be a list");
    }
    return value;
  }
}
