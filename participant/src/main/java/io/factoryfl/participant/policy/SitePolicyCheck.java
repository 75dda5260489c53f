package io.factoryfl.participant.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.proto.v1.SecAggAdvertiseKeys;
import io.factoryfl.proto.v1.Task;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/** {@link PolicyCheck} against the policy a supplier hands out at the moment of each decision. */
final class SitePolicyCheck implements PolicyCheck {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter HOUR_MINUTE = DateTimeFormatter.ofPattern("HH:mm");

  private final Supplier<SitePolicy> policy;
  private final Clock clock;

  SitePolicyCheck(Supplier<SitePolicy> policy, Clock clock) {
    this.policy = policy;
    this.clock = clock;
  }

  @Override
  public PolicyDecision check(Task task) {
    SitePolicy site = policy.get();
    String dataset = task.getDataset().getName();
    if (!site.exposes(dataset)) {
      return PolicyDecision.refuse("dataset '" + dataset
          + "' is not exposed to federated jobs at this site (datasets)");
    }
    if (task.getRound() > site.maxRoundsPerJob()) {
      return PolicyDecision.refuse("round " + task.getRound() + " of job '" + task.getJobId()
          + "' is beyond this site's limit of " + site.maxRoundsPerJob()
          + " rounds per job (max_rounds_per_job)");
    }
    PolicyDecision sizes = TaskSizes.check(task, site.limits());
    if (!sizes.allowed()) {
      return sizes;
    }
    switch (task.getKindCase()) {
      case TRAIN -> {
        if (site.secureAggregationRequired()) {
          return PolicyDecision.refuse("this site requires secure aggregation; the job runs plain"
              + " FedAvg (secure_aggregation.required)");
        }
        return insideWindows(site);
      }
      case SECAGG_ADVERTISE -> {
        SecAggAdvertiseKeys setup = task.getSecaggAdvertise();
        String refusal = site.secureAggregation().refusal(setup.getCohortCount(), setup.getNeighbours(),
            setup.getThreshold());
        if (refusal != null) {
          return PolicyDecision.refuse(refusal);
        }
        return insideWindows(site);
      }
      case SECAGG_MASKED_INPUT -> {
        return insideWindows(site);
      }
      case FEATURE_STATS -> {
        if (site.secureAggregationRequired()) {
          return PolicyDecision.refuse("this site requires secure aggregation; the job asks for its"
              + " feature statistics in the clear (secure_aggregation.required)");
        }
        return PolicyDecision.allow();
      }
      default -> {
        return PolicyDecision.allow();
      }
    }
  }

  @Override
  public PolicyDecision checkModel(String configurationJson) {
    SitePolicy site = policy.get();
    List<String> layers;
    java.util.Map<Integer, String> preprocessors;
    try {
      layers = layerClasses(configurationJson);
      preprocessors = preprocessorClasses(configurationJson);
    } catch (IllegalArgumentException e) {
      return PolicyDecision.refuse("the model configuration cannot be checked: " + e.getMessage());
    }
    boolean allowed = site.modelTemplates().stream()
        .map(name -> ModelTemplate.byPolicyName(name).orElseThrow())
        .anyMatch(template -> template.matches(layers, preprocessors));
    if (!allowed) {
      StringBuilder shapes = new StringBuilder();
      for (String name : site.sortedTemplates()) {
        shapes.append("; ").append(name).append(" = ")
            .append(ModelTemplate.byPolicyName(name).orElseThrow().shape());
      }
      return PolicyDecision.refuse("model layers " + simpleNames(layers)
          + (preprocessors.isEmpty() ? "" : " with input preprocessors " + simpleNames(preprocessors.values()))
          + " match none of this site's allowed templates " + site.sortedTemplates()
          + " (models.templates" + shapes + ")");
    }
    long parameters;
    try {
      parameters = ModelDefinition.fromJson(configurationJson).numParameters();
    } catch (RuntimeException e) {
      return PolicyDecision.refuse("the model configuration cannot be checked: " + e.getMessage());
    }
    if (parameters > site.maxParameters()) {
      return PolicyDecision.refuse("model has " + parameters + " parameters, above this site's"
          + " limit of " + site.maxParameters() + " (models.max_parameters)");
    }
    return PolicyDecision.allow();
  }

  @Override
  public PolicyDecision checkDownload(String configurationJson, long numParameters) {
    SitePolicy site = policy.get();
    long bytes = (long) configurationJson.length() * 3 + 4L * Math.max(0, numParameters);
    if (numParameters < 0 || numParameters > site.maxParameters()) {
      return PolicyDecision.refuse("the model download announces " + numParameters
          + " parameters, above this site's limit of " + site.maxParameters()
          + " (models.max_parameters)");
    }
    if (bytes > site.limits().maxModelBytes()) {
      return PolicyDecision.refuse("the model download is about " + bytes + " bytes, above this"
          + " site's limit of " + site.limits().maxModelBytes() + " (models.max_bytes)");
    }
    return checkModel(configurationJson);
  }

  @Override
  public PolicyDecision checkColumns(FeatureSchema local) {
    Set<String> protectedColumns = policy.get().protectedColumns();
    List<String> numeric = local.numericColumns();
    for (int i = 0; i < numeric.size(); i++) {
      if (protectedColumns.contains(numeric.get(i))) {
        return protectedColumn("dataset.numeric_features[" + i + "]");
      }
    }
    List<FeatureSchema.CategoricalColumn> categorical = local.categoricalColumns();
    for (int i = 0; i < categorical.size(); i++) {
      if (protectedColumns.contains(categorical.get(i).column())) {
        return protectedColumn("dataset.categorical_features[" + i + "]");
      }
    }
    if (protectedColumns.contains(local.labelColumn())) {
      return protectedColumn("dataset.label");
    }
    return PolicyDecision.allow();
  }

  @Override
  public PolicyDecision checkSequenceColumns(String localGroup, String localOrder) {
    Set<String> protectedColumns = policy.get().protectedColumns();
    if (protectedColumns.contains(localGroup)) {
      return protectedColumn("dataset.sequence.group");
    }
    return protectedColumns.contains(localOrder) ? protectedColumn("dataset.sequence.order") : PolicyDecision.allow();
  }

  /** Names the job's field, never the site's column: the list of protected columns stays here. */
  private static PolicyDecision protectedColumn(String field) {
    return PolicyDecision.refuse(field + " names a column this site protects from federated jobs"
        + " (protected_columns)");
  }

  @Override
  public boolean exposes(String dataset) {
    return policy.get().exposes(dataset);
  }

  @Override
  public int maxCpuThreads() {
    return policy.get().maxCpuThreads();
  }

  private PolicyDecision insideWindows(SitePolicy site) {
    if (site.trainingWindows().isEmpty()) {
      return PolicyDecision.allow();
    }
    ZoneId zone = site.timezone().orElse(clock.getZone());
    LocalDateTime now = LocalDateTime.ofInstant(clock.instant(), zone);
    for (TrainingWindow window : site.trainingWindows()) {
      if (window.contains(now)) {
        return PolicyDecision.allow();
      }
    }
    return PolicyDecision.refuse("outside the site's training windows ("
        + site.describeWindows(zone) + "); now " + TrainingWindow.shortName(now.getDayOfWeek())
        + " " + now.format(HOUR_MINUTE));
  }

  /** The fully qualified layer classes of a MultiLayerConfiguration JSON, in order. */
  private static List<String> layerClasses(String json) {
    if (json == null || json.isBlank()) {
      throw new IllegalArgumentException("it is empty");
    }
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("it is not valid JSON (line " + e.getLocation().getLineNr()
          + ": " + e.getOriginalMessage() + ")");
    }
    JsonNode confs = root == null ? null : root.get("confs");
    if (confs == null || !confs.isArray() || confs.isEmpty()) {
      throw new IllegalArgumentException(
          "it is not a DL4J MultiLayerConfiguration (no \"confs\" list of layers)");
    }
    List<String> classes = new ArrayList<>();
    for (JsonNode conf : confs) {
      JsonNode layer = conf.path("layer");
      String type = typeName(layer);
      // A wrapper is only as good as the layer it wraps.
      classes.add(layer.has("underlying") ? type + "/" + typeName(layer.path("underlying")) : type);
    }
    return classes;
  }

  /** A layer's or preprocessor's type name; one without is one no template can vouch for. */
  private static String typeName(JsonNode node) {
    JsonNode type = node.path("@class");
    return type.isTextual() ? type.textValue() : "unknown";
  }

  /** The input preprocessor classes of a MultiLayerConfiguration JSON, by layer index. */
  private static java.util.Map<Integer, String> preprocessorClasses(String json) {
    JsonNode preprocessors;
    try {
      preprocessors = JSON.readTree(json).path("inputPreProcessors");
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("it is not valid JSON");
    }
    java.util.Map<Integer, String> classes = new java.util.TreeMap<>();
    if (preprocessors.isMissingNode() || preprocessors.isNull()) {
      return classes;
    }
    if (!preprocessors.isObject()) {
      throw new IllegalArgumentException("its inputPreProcessors is not an object of layer index to preprocessor");
    }
    var fields = preprocessors.fields();
    while (fields.hasNext()) {
      var entry = fields.next();
      int index;
      try {
        index = Integer.parseInt(entry.getKey());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("its inputPreProcessors has the key '"
            + io.factoryfl.core.text.Printable.oneLine(entry.getKey(), 40) + "', not a layer index");
      }
      classes.put(index, typeName(entry.getValue()));
    }
    return classes;
  }

  private static List<String> simpleNames(java.util.Collection<String> classes) {
    return classes.stream().map(c -> java.util.Arrays.stream(c.split("/"))
        .map(part -> part.substring(part.lastIndexOf('.') + 1))
        .collect(java.util.stream.Collectors.joining("/"))).toList();
  }
}
