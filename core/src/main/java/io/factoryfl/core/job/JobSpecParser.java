package io.factoryfl.core.job;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.FeatureSchema.CategoricalColumn;
import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.core.data.MissingValues;
import io.factoryfl.core.data.SequenceSpec;
import io.factoryfl.core.model.MlpTemplate;
import io.factoryfl.core.task.LabelClip;
import io.factoryfl.core.task.RegressionTask;
import io.factoryfl.core.task.TaskKind;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.params.ContentHash;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads and validates a job spec (JSON). Every problem is reported as an {@link
 * InvalidJobSpecException} naming the field, the value and what is allowed; a spec that parses is
 * one the coordinator can run.
 *
 * <pre>{@code
 * {
 *   "name": "ai4i-failure",
 *   "model": {"template": "mlp", "hidden_layers": [64, 32]},
 *   "dataset": {
 *     "name": "ai4i",
 *     "numeric_features": ["Air temperature [K]", "Torque [Nm]"],
 *     "categorical_features": [{"column": "Type", "categories": ["L", "M", "H"]}],
 *     "label": "Machine failure",
 *     "label_classes": ["0", "1"]
 *   },
 *   "rounds": 20,
 *   "participants": {"min": 2, "max": 100, "fraction": 1.0},
 *   "training": {"local_epochs": 2, "batch_size": 64, "learning_rate": 0.003, "proximal_mu": 0.01},
 *   "round_deadline_seconds": 120,
 *   "evaluate_every": 1,
 *   "seed": 7,
 *   "secure_aggregation": {"enabled": true, "neighbours": 8, "threshold": 5, "clip": 4.0,
 *                          "bits": 22},
 *   "max_examples_per_site": 100000,
 *   "server_optimizer": {"name": "adam", "learning_rate": 0.03}
 * }
 * }</pre>
 */
public final class JobSpecParser {
  static final int MAX_ROUNDS = 100_000;
  static final int MAX_PARTICIPANTS = 100_000;
  static final int MAX_LAYER_WIDTH = 65_536;
  /** A spec is a small file; anything larger is a mistake or an attack on the parser. */
  public static final int MAX_SPEC_CHARS = 1 << 20;
  /** Objects and arrays nested deeper than this are refused before a tree is built. */
  public static final int MAX_NESTING_DEPTH = 32;
  /** The largest FedProx mu ({@code training.proximal_mu}) a spec may ask for, and a site accepts. */
  public static final double MAX_PROXIMAL_MU = 1000;

  private static final ObjectMapper MAPPER =
      JsonMapper.builder(JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
              .maxNestingDepth(MAX_NESTING_DEPTH).maxStringLength(MAX_SPEC_CHARS).build()).build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .build();

  private static final Set<String> TOP =
      Set.of("name", "model", "dataset", "rounds", "participants", "training",
          "round_deadline_seconds", "evaluate_every", "seed", "max_round_attempts",
          "start_timeout_seconds", "secure_aggregation", "server_momentum", "max_examples_per_site",
          RobustAggregationParser.KEY, "task", SelectionParser.KEY, ServerOptimizerParser.KEY);
  private static final Set<String> SECURE_AGGREGATION =
      Set.of("enabled", "neighbours", "threshold", "clip", "bits", "max_examples");
  // max_examples stays a known key only to explain that it moved to max_examples_per_site.
  private static final Set<String> MODEL =
      Set.of("template", "hidden_layers", "configuration", "units", "filters", "kernel", "batch_norm");
  private static final Set<String> DATASET = Set.of("name", "numeric_features", "categorical_features", "label",
      "label_classes", "label_clip", "missing_values", "sequence", ImageSpecParser.KEY);
  private static final Set<String> SEQUENCE = Set.of("group", "order", "window", "eval_rows");
  private static final Set<String> LABEL_CLIP = Set.of("min", "max");
  private static final Set<String> CATEGORICAL = Set.of("column", "categories");
  private static final Set<String> PARTICIPANTS = Set.of("min", "max", "fraction");
  private static final Set<String> TRAINING =
      Set.of("local_epochs", "batch_size", "learning_rate", "class_weights", "loss", "proximal_mu", "optimizer");

  private JobSpecParser() {}

  /** Parses and validates a spec. */
  public static JobSpec parse(String json) {
    return parse(readTree(json));
  }

  /**
   * The spec in canonical JSON form with every default it takes written in: what a coordinator
   * keeps of a submitted job, so that a later version with other defaults (say another default
   * server_momentum) reads back exactly the job that was submitted. {@code parse} of the result
   * equals {@code parse(json)}. Optional blocks and fields that are off or decided per round when
   * absent ({@code select}, {@code server_optimizer}, {@code robust_aggregation}, {@code
   * dataset.label_clip}, {@code dataset.sequence}, {@code training.class_weights}, {@code
   * select.patience}, {@code secure_aggregation.neighbours} and {@code threshold}, {@code
   * robust_aggregation.clip_norm} and {@code krum_select}) stay absent.
   *
   * @throws InvalidJobSpecException as {@link #parse} does
   */
  public static String pinned(String json) {
    JsonNode tree = readTree(json);
    parse(tree);
    return canonical(tree);
  }

  private static JobSpec parse(JsonNode tree) {
    SpecNode top = new SpecNode(tree, "", TOP);

    String name = top.requiredString("name");
    SpecNode dataset = top.object("dataset", DATASET);
    TaskKind kind = taskKind(top, dataset);
    Optional<ImageSpec> images = ImageSpecParser.parse(dataset, kind);
    FeatureSchema schema = images.isPresent() ? ImageSpecParser.schema(dataset, images.get(), kind) : schema(dataset, kind);
    Optional<SequenceSpec> sequence = sequence(dataset, schema);
    String datasetName = dataset.requiredString("name");

    int rounds = top.integer("rounds", 10, 1, MAX_ROUNDS);
    SpecNode participants = top.objectOrEmpty("participants", PARTICIPANTS);
    int min = participants.integer("min", 2, 1, MAX_PARTICIPANTS);
    int max = participants.integer("max", 1000, 1, MAX_PARTICIPANTS);
    if (max < min) {
      throw new InvalidJobSpecException(
          participants.field("max"), "was " + max + "; must be at least participants.min (" + min + ")");
    }
    double fraction = participants.number("fraction", 1.0, 0.0, 1.0);

    SpecNode training = top.objectOrEmpty("training", TRAINING);
    int epochs = training.integer("local_epochs", 1, 1, 1000);
    int batch = training.integer("batch_size", 32, 1, 1 << 20);
    double learningRate = training.number("learning_rate", 0.001, 0.0, 10.0);
    TaskSpec task = task(kind, schema, dataset, training);
    double proximalMu = ServerOptimizerParser.proximalMu(training, learningRate);

    int deadlineSeconds = top.integer("round_deadline_seconds", 300, 1, 7 * 24 * 3600);
    int evaluateEvery = top.integer("evaluate_every", 1, 0, MAX_ROUNDS);
    long seed = top.longValue("seed", 0);
    int attempts = top.integer("max_round_attempts", 3, 1, 100);
    int startTimeout = top.integer("start_timeout_seconds", 600, 1, 7 * 24 * 3600);

    long maxExamples = maxExamplesPerSite(top, max);
    SecureAggregationSpec secure = secureAggregation(top, min, max, maxExamples);
    RobustAggregationSpec robust = RobustAggregationParser.parse(top, min, secure);
    ModelSpec model = model(top.object("model", MODEL), sequence, images);
    LocalOptimizer optimizer = optimizer(training, model);
    checkModelFitsSchema(model, schema, sequence, images, task);
    var selection = SelectionParser.parse(top, kind, schema.labelClasses(), evaluateEvery);
    double momentum = serverMomentum(top);
    ServerOptimizerSpec serverOptimizer = ServerOptimizerParser.parse(top, momentum);

    return new JobSpec(name, model, datasetName, schema, rounds, min, max, fraction, epochs, batch,
        learningRate, Duration.ofSeconds(deadlineSeconds), evaluateEvery, seed, attempts,
        Duration.ofSeconds(startTimeout), secure, momentum, maxExamples, robust, task, selection, proximalMu,
        serverOptimizer, sequence, images, optimizer);
  }

  /**
   * {@code training.optimizer}: {@code adam} (the default) or {@code sgd}, for a template model; a
   * full {@code model.configuration} names its own updater, so the field is refused with one.
   */
  private static LocalOptimizer optimizer(SpecNode training, ModelSpec model) {
    if (model.configurationJson() != null) {
      if (training.has("optimizer")) {
        throw new InvalidJobSpecException(training.field("optimizer"), "cannot be combined with"
            + " model.configuration, whose layers name their own updater; remove one of them");
      }
      return LocalOptimizer.ADAM;
    }
    String key = training.string("optimizer", LocalOptimizer.ADAM.key());
    return LocalOptimizer.byKey(key).orElseThrow(() -> new InvalidJobSpecException(training.field("optimizer"),
        "was '" + key + "'; must be adam or sgd (plain minibatch SGD, no momentum)"));
  }

  /**
   * The spec's {@code task}, or the one its label classes imply (binary for two, multi-class for
   * more; binary with classes "0" and "1" when none are given).
   */
  private static TaskKind taskKind(SpecNode top, SpecNode dataset) {
    if (!top.has("task")) {
      TaskKind implied = dataset.has("label_classes")
          ? TaskKind.ofClasses(dataset.strings("label_classes", true).size()) : TaskKind.BINARY;
      top.pin("task", implied.key());
      return implied;
    }
    String key = top.requiredString("task");
    return TaskKind.byKey(key).orElseThrow(() -> new InvalidJobSpecException(top.field("task"),
        "was \"" + key + "\"; must be one of \"binary\", \"multiclass\" or \"regression\""));
  }

  /** The task's settings, each allowed only for the kind of task it belongs to. */
  private static TaskSpec task(TaskKind kind, FeatureSchema schema, SpecNode dataset, SpecNode training) {
    if (kind == TaskKind.REGRESSION) {
      if (training.has("class_weights")) {
        throw new InvalidJobSpecException(training.field("class_weights"),
            "weights classes, but a regression task has none; remove it");
      }
      String loss = training.string("loss", "mse");
      if (!RegressionTask.LOSSES.contains(loss)) {
        throw new InvalidJobSpecException(training.field("loss"),
            "was \"" + loss + "\"; a regression loss is one of " + RegressionTask.LOSSES);
      }
      return new TaskSpec(kind, labelClip(dataset), List.of(), loss);
    }
    if (dataset.has("label_clip")) {
      throw new InvalidJobSpecException(dataset.field("label_clip"),
          "clips a regression label, but this is a " + kind.key() + " task; remove it or set \"task\":"
              + " \"regression\"");
    }
    if (training.has("loss")) {
      throw new InvalidJobSpecException(training.field("loss"), "is for regression; a " + kind.key()
          + " task is trained with cross-entropy (weight classes with training.class_weights)");
    }
    return new TaskSpec(kind, LabelClip.NONE, classWeights(training, schema.labelClasses()), "mse");
  }

  private static LabelClip labelClip(SpecNode dataset) {
    if (!dataset.has("label_clip")) {
      return LabelClip.NONE;
    }
    SpecNode clip = dataset.object("label_clip", LABEL_CLIP);
    Double min = clip.has("min") ? clip.finite("min") : null;
    Double max = clip.has("max") ? clip.finite("max") : null;
    if (min == null && max == null) {
      throw new InvalidJobSpecException(dataset.field("label_clip"),
          "must give \"min\", \"max\" or both, e.g. {\"max\": 125} to cap remaining useful life at 125");
    }
    if (min != null && max != null && !(min < max)) {
      throw new InvalidJobSpecException(dataset.field("label_clip"),
          "has min " + min + " and max " + max + "; min must be below max");
    }
    return new LabelClip(min, max);
  }

  /** {@code training.class_weights}: one positive weight per label class, by class name. */
  private static List<Double> classWeights(SpecNode training, List<String> classes) {
    if (!training.has("class_weights")) {
      return List.of();
    }
    JsonNode weights = training.raw("class_weights");
    String field = training.field("class_weights");
    if (!weights.isObject()) {
      throw new InvalidJobSpecException(field, "must be an object of class name to weight, such as {\"0\": 1,"
          + " \"1\": 10}, got " + SpecNode.describe(weights));
    }
    List<Double> out = new ArrayList<>();
    for (String name : classes) {
      JsonNode weight = weights.get(name);
      if (weight == null) {
        throw new InvalidJobSpecException(field, "gives no weight for class \"" + name + "\"; list every class of"
            + " dataset.label_classes " + classes);
      }
      if (!weight.isNumber() || !(weight.asDouble() > 0) || weight.asDouble() > 1e6) {
        throw new InvalidJobSpecException(field + "." + name, "was " + SpecNode.describe(weight)
            + "; a class weight is a number greater than 0 and at most 1e6");
      }
      out.add(weight.asDouble());
    }
    java.util.Iterator<String> names = weights.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!classes.contains(name)) {
        throw new InvalidJobSpecException(field, "weights \"" + name + "\", which is not one of"
            + " dataset.label_classes " + classes);
      }
    }
    return out;
  }

  /**
   * The per-site cap on the FedAvg weight. Under secure aggregation the weighted sum of all sites
   * must fit the 32-bit words, so the cap is at most {@code Integer.MAX_VALUE / participants.max};
   * plain aggregation is exact for weights up to 2^29.
   */
  private static long maxExamplesPerSite(SpecNode top, int maxParticipants) {
    int limit = (int) Math.min(Integer.MAX_VALUE / maxParticipants,
        io.factoryfl.core.aggregate.WeightedSumAccumulator.MAX_WEIGHT);
    int fallback = (int) Math.min(SecureAggregationSpec.DEFAULT_MAX_EXAMPLES, limit);
    return top.integer("max_examples_per_site", fallback, 1, limit);
  }

  /**
   * The spec's server momentum; absent, {@link JobSpec#DEFAULT_SERVER_MOMENTUM} (FedAvgM, the
   * default strategy chosen on the bundled scenarios, docs/results.md), or 0 when the spec names a
   * server_optimizer, which decides the server's step itself.
   */
  private static double serverMomentum(SpecNode top) {
    if (!top.has("server_momentum")) {
      double momentum = top.has("server_optimizer") ? 0 : JobSpec.DEFAULT_SERVER_MOMENTUM;
      top.pin("server_momentum", momentum);
      return momentum;
    }
    JsonNode value = top.raw("server_momentum");
    if (!value.isNumber() || !(value.asDouble() >= 0 && value.asDouble() < 1)) {
      throw new InvalidJobSpecException("server_momentum", "was " + SpecNode.describe(value)
          + "; must be a number from 0 (plain FedAvg) up to, but not including, 1 (FedAvgM, e.g. 0.9)");
    }
    return value.asDouble();
  }

  private static SecureAggregationSpec secureAggregation(SpecNode top, int min, int max,
      long maxExamplesPerSite) {
    SpecNode node = top.objectOrEmpty("secure_aggregation", SECURE_AGGREGATION);
    boolean enabled = node.bool("enabled", true);
    Integer neighbours = node.optionalInteger("neighbours", 2, MAX_PARTICIPANTS);
    Integer threshold = node.optionalInteger("threshold", 2, MAX_PARTICIPANTS);
    double clip = node.number("clip", SecureAggregationSpec.DEFAULT_CLIP, 0.0, 1e6);
    int headroom = SecureAggregationSpec.headroomBits(max);
    int bits = node.integer("bits", SecureAggregationSpec.defaultBits(max), 8, 31);
    if (node.has("max_examples")) {
      throw new InvalidJobSpecException(node.field("max_examples"), "has moved: the cap on a site's"
          + " weight now holds in plain and secure rounds alike; set the top-level"
          + " \"max_examples_per_site\" instead");
    }
    long maxExamples = maxExamplesPerSite;
    if (!enabled) {
      return new SecureAggregationSpec(false, neighbours, threshold, clip, bits, maxExamples);
    }
    if (bits + headroom > 32) {
      throw new InvalidJobSpecException(node.field("bits"), "was " + bits + "; with participants.max = "
          + max + " the sum needs " + headroom + " bits of headroom in 32, so bits must be at most "
          + (32 - headroom));
    }
    if (min < 2) {
      throw new InvalidJobSpecException("participants.min", "was " + min + "; secure aggregation"
          + " needs at least 2, otherwise the sum of a round is one site's update");
    }
    if (neighbours != null && neighbours > max - 1) {
      throw new InvalidJobSpecException(node.field("neighbours"), "was " + neighbours
          + "; a participant has at most participants.max - 1 = " + (max - 1) + " neighbours");
    }
    if (threshold != null && neighbours != null
        && (threshold > neighbours || threshold < neighbours / 2 + 1)) {
      throw new InvalidJobSpecException(node.field("threshold"), "was " + threshold
          + "; with " + neighbours + " neighbours it must be from " + (neighbours / 2 + 1)
          + " (a strict majority, so no peer's two secrets can both be collected) to " + neighbours);
    }
    return new SecureAggregationSpec(true, neighbours, threshold, clip, bits, maxExamples);
  }

  /**
   * Hex SHA-256 of the spec in canonical form (keys sorted, no insignificant whitespace), so the
   * same spec written differently has the same hash.
   */
  public static String canonicalHash(String json) {
    return ContentHash.of(canonical(json).getBytes(StandardCharsets.UTF_8));
  }

  /** The spec in canonical JSON form. */
  public static String canonical(String json) {
    return canonical(readTree(json));
  }

  private static String canonical(JsonNode node) {
    try {
      Object tree = MAPPER.treeToValue(node, Object.class);
      return MAPPER.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new InvalidJobSpecException("(job spec)", "cannot be canonicalised: " + e.getOriginalMessage());
    }
  }

  private static JsonNode readTree(String json) {
    if (json == null || json.isBlank()) {
      throw new InvalidJobSpecException("(job spec)", "is empty; expected a JSON object");
    }
    if (json.length() > MAX_SPEC_CHARS) {
      throw new InvalidJobSpecException("(job spec)", "is " + json.length() + " characters long;"
          + " a job spec may be at most " + MAX_SPEC_CHARS + " (1 MiB)");
    }
    try {
      return MAPPER.readTree(json);
    } catch (StreamConstraintsException e) {
      throw new InvalidJobSpecException("(job spec)", "exceeds a parser limit" + at(e.getLocation())
          + ": " + e.getOriginalMessage() + " (objects and arrays may nest at most "
          + MAX_NESTING_DEPTH + " deep, a string may be at most " + MAX_SPEC_CHARS + " characters)");
    } catch (JsonProcessingException e) {
      throw new InvalidJobSpecException(
          "(job spec)", "is not valid JSON" + at(e.getLocation()) + ": " + e.getOriginalMessage());
    }
  }

  /** " at line L, column C", or nothing when the parser gave no location. */
  private static String at(JsonLocation location) {
    return location == null || location.getLineNr() < 0 ? ""
        : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  /**
   * The number of parameters of the spec's model, computed from its layer sizes without building
   * the model, so that a job too large for the coordinator can be refused before it allocates.
   * Saturates at {@link Long#MAX_VALUE}.
   */
  public static long parameterCount(JobSpec spec) {
    ModelSpec model = spec.model();
    if (model.configurationJson() != null) {
      return ModelDefinition.fromJson(model.configurationJson()).numParameters();
    }
    if (model.isSequenceTemplate() || ModelSpec.CNN.equals(model.template())) {
      // Counted from the configuration's layer sizes; building it allocates no parameters.
      return ModelDefinition.fromJson(spec.modelConfigurationJson()).numParameters();
    }
    return MlpTemplate.parameterCount(spec.numInputs(), model.hiddenLayers(),
        spec.task().family(spec.schema(), 1).outputs());
  }

  private static FeatureSchema schema(SpecNode dataset, TaskKind kind) {
    List<String> numeric = dataset.strings("numeric_features", false);
    List<CategoricalColumn> categorical = new ArrayList<>();
    if (dataset.has("categorical_features")) {
      JsonNode list = dataset.raw("categorical_features");
      if (!list.isArray()) {
        throw new InvalidJobSpecException(
            dataset.field("categorical_features"),
            "must be a list of {\"column\": ..., \"categories\": [...]}, got " + SpecNode.describe(list));
      }
      for (int i = 0; i < list.size(); i++) {
        SpecNode item =
            new SpecNode(list.get(i), dataset.field("categorical_features") + "[" + i + "]", CATEGORICAL);
        List<String> categories = item.strings("categories", true);
        if (categories.isEmpty()) {
          throw new InvalidJobSpecException(item.field("categories"), "must list at least one category");
        }
        categorical.add(new CategoricalColumn(item.requiredString("column"), categories));
      }
    }
    String label = dataset.requiredString("label");
    List<String> classes;
    if (kind == TaskKind.REGRESSION) {
      if (dataset.has("label_classes")) {
        throw new InvalidJobSpecException(dataset.field("label_classes"),
            "lists classes, but a regression label is a number; remove it (or choose a classification task)");
      }
      classes = List.of();
    } else {
      if (!dataset.has("label_classes")) {
        dataset.pin("label_classes", MAPPER.createArrayNode().add("0").add("1"));
      }
      classes = dataset.strings("label_classes", true);
      if (TaskKind.ofClasses(classes.size()) != kind && classes.size() >= 2) {
        throw new InvalidJobSpecException(dataset.field("label_classes"), "lists " + classes.size()
            + " classes, but task is \"" + kind.key() + "\" (" + (kind == TaskKind.BINARY ? "exactly 2" : "3 or more")
            + " classes)");
      }
      if (classes.size() < 2) {
        throw new InvalidJobSpecException(dataset.field("label_classes"), "lists " + classes.size()
            + " class; a classifier needs at least 2 (for a numeric label, set \"task\": \"regression\")");
      }
    }
    String key = dataset.string("missing_values", MissingValues.REFUSE.key());
    MissingValues missing = MissingValues.byKey(key).orElseThrow(() -> new InvalidJobSpecException(
        dataset.field("missing_values"), "was \"" + key + "\"; must be \"refuse\" (an empty, NaN or NA numeric"
            + " cell fails the site's task) or \"impute_mean\" (it takes the federation's mean)"));
    try {
      return new FeatureSchema(numeric, categorical, label, classes, missing);
    } catch (IllegalArgumentException e) {
      throw new InvalidJobSpecException("dataset", e.getMessage());
    }
  }

  private static ModelSpec model(SpecNode model, Optional<SequenceSpec> sequence, Optional<ImageSpec> images) {
    if (model.has("configuration")) {
      for (String other : List.of("template", "hidden_layers", "units", "filters", "kernel", "batch_norm")) {
        if (model.has(other)) {
          throw new InvalidJobSpecException(model.field("configuration"),
              "give either a DL4J configuration or a template with its layers, not both (remove " + other + ")");
        }
      }
      JsonNode configuration = model.raw("configuration");
      String json = configuration.isTextual() ? configuration.asText() : configuration.toString();
      return ModelSpec.configuration(json);
    }
    String template = model.requiredString("template");
    if (!ModelSpec.TEMPLATES.contains(template)) {
      throw new InvalidJobSpecException(
          model.field("template"), "unknown template \"" + template + "\"; allowed: " + ModelSpec.TEMPLATES);
    }
    if (template.equals(ModelSpec.CNN)) {
      refuseOtherFields(model, template, "units", ModelSpec.LSTM);
      return ImageSpecParser.cnn(model, images, field -> widths(model, field, field.equals("filters")));
    }
    refuseOtherFields(model, template, "batch_norm", ModelSpec.CNN);
    if (!template.equals(ModelSpec.MLP) && images.isPresent()) {
      throw new InvalidJobSpecException(model.field("template"), "was \"" + template + "\", a template over sensor"
          + " sequences, but this is an image job (dataset.images); use \"cnn\" or \"mlp\"");
    }
    if (!template.equals(ModelSpec.MLP) && sequence.isEmpty()) {
      throw new InvalidJobSpecException(model.field("template"), "was \"" + template + "\", a template over"
          + " sensor sequences, but the job sets no dataset.sequence; add {\"group\": ..., \"order\": ...,"
          + " \"window\": ...} or use \"mlp\"");
    }
    refuseOtherFields(model, template, "units", ModelSpec.LSTM);
    refuseOtherFields(model, template, "filters", ModelSpec.CNN1D);
    refuseOtherFields(model, template, "kernel", ModelSpec.CNN1D);
    switch (template) {
      case ModelSpec.LSTM -> {
        return ModelSpec.lstm(widths(model, "units", true), widths(model, "hidden_layers", false));
      }
      case ModelSpec.CNN1D -> {
        int window = sequence.orElseThrow().window();
        int kernel = model.integer("kernel", Math.min(ModelSpec.DEFAULT_KERNEL, window), 1, window);
        return ModelSpec.cnn1d(widths(model, "filters", true), kernel, widths(model, "hidden_layers", false));
      }
      default -> {
        return ModelSpec.mlp(widths(model, "hidden_layers", true));
      }
    }
  }

  private static void refuseOtherFields(SpecNode model, String template, String field, String owner) {
    if (model.has(field) && !template.equals(owner)) {
      throw new InvalidJobSpecException(model.field(field), "belongs to the " + owner + " template, not to \""
          + template + "\"; remove it");
    }
  }

  /** A list of layer widths; a required list must hold at least one. */
  private static List<Integer> widths(SpecNode model, String field, boolean required) {
    JsonNode layers = model.raw(field);
    if (!model.has(field) && !required) {
      return List.of();
    }
    if (layers == null || !layers.isArray() || required && layers.isEmpty()) {
      throw new InvalidJobSpecException(model.field(field), "must be a " + (required ? "non-empty " : "")
          + "list of layer widths such as [64, 32], got " + SpecNode.describe(layers));
    }
    List<Integer> widths = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      JsonNode width = layers.get(i);
      if (!width.isIntegralNumber() || !width.canConvertToInt() || width.asInt() < 1 || width.asInt() > MAX_LAYER_WIDTH) {
        throw new InvalidJobSpecException(
            model.field(field) + "[" + i + "]",
            "was " + SpecNode.describe(width) + "; must be an integer between 1 and " + MAX_LAYER_WIDTH);
      }
      widths.add(width.asInt());
    }
    return widths;
  }

  /** {@code dataset.sequence}: group and order columns that are not features, and a window. */
  private static Optional<SequenceSpec> sequence(SpecNode dataset, FeatureSchema schema) {
    if (!dataset.has("sequence")) {
      return Optional.empty();
    }
    SpecNode node = dataset.object("sequence", SEQUENCE);
    String group = node.requiredString("group");
    String order = node.requiredString("order");
    if (!node.has("window")) {
      throw new InvalidJobSpecException(node.field("window"), "is required: the number of rows per window,"
          + " an integer between 1 and " + SequenceSpec.MAX_WINDOW);
    }
    int window = node.integer("window", 1, 1, SequenceSpec.MAX_WINDOW);
    String rows = node.string("eval_rows", SequenceSpec.EvalRows.ALL.key());
    SequenceSpec.EvalRows evalRows = SequenceSpec.EvalRows.byKey(rows);
    if (evalRows == null) {
      throw new InvalidJobSpecException(node.field("eval_rows"), "was \"" + rows + "\"; must be \"all\" (score"
          + " every held-out row's window) or \"last\" (only each group's last row)");
    }
    if (group.equals(order)) {
      throw new InvalidJobSpecException(node.field("order"), "was \"" + order + "\", the same column as"
          + " dataset.sequence.group; a sequence is grouped by one column and ordered by another");
    }
    for (String field : List.of("group", "order")) {
      String column = field.equals("group") ? group : order;
      String clash = SequenceSpec.roleIn(schema, column);
      if (clash != null) {
        throw new InvalidJobSpecException(node.field(field), "was \"" + column + "\", but " + clash
            + "; a sequence's group and order columns must not be features or the label");
      }
    }
    try {
      Math.multiplyExact(schema.numInputs(), window);
    } catch (ArithmeticException e) {
      throw new InvalidJobSpecException(node.field("window"), "was " + window + "; a window of " + schema.numInputs()
          + " encoded features is too wide");
    }
    return Optional.of(new SequenceSpec(group, order, window, evalRows));
  }

  private static void checkModelFitsSchema(ModelSpec model, FeatureSchema schema, Optional<SequenceSpec> sequence,
      Optional<ImageSpec> images, TaskSpec task) {
    if (model.configurationJson() == null) {
      return;
    }
    ModelDefinition definition;
    try {
      definition = ModelDefinition.fromJson(model.configurationJson());
    } catch (IllegalArgumentException e) {
      throw new InvalidJobSpecException("model.configuration", e.getMessage());
    }
    int inputs = images.map(ImageSpec::pixels)
        .orElseGet(() -> sequence.map(s -> s.inputs(schema.numInputs())).orElse(schema.numInputs()));
    if (images.isPresent() && definition.numInputs() != inputs) {
      ImageSpec image = images.get();
      throw new InvalidJobSpecException("model.configuration", "the first layer takes " + definition.numInputs()
          + " inputs but the dataset's images encode to " + inputs + " (" + image.channels() + " x " + image.height()
          + " x " + image.width() + "; set the configuration's input type to convolutionalFlat(" + image.height()
          + ", " + image.width() + ", " + image.channels() + "))");
    }
    if (definition.numInputs() != inputs) {
      throw new InvalidJobSpecException(
          "model.configuration",
          "the first layer takes " + definition.numInputs() + " inputs but the dataset's features encode to "
              + inputs + (sequence.isPresent() ? " (" + schema.numInputs() + " per row, numeric features plus one-hot"
              + " categories, times a window of " + sequence.get().window() + " rows)"
              : " (numeric features plus one-hot categories)"));
    }
    int outputs = task.family(schema, 1).outputs();
    if (definition.numOutputs() != outputs) {
      throw new InvalidJobSpecException(
          "model.configuration",
          "the output layer has " + definition.numOutputs() + " units but the " + task.kind().key() + " task needs "
              + outputs + (task.kind() == TaskKind.REGRESSION ? " (one value)" : " (one per label class)"));
    }
  }
}
