package io.factoryfl.participant.policy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.factoryfl.core.secagg.ThreatModel;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns policy JSON into a {@link SitePolicy}; every error names the source, field and value. */
final class PolicyParser {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
  private static final Set<String> TOP = Set.of("datasets", "models", "secure_aggregation",
      "training_windows", "timezone", "max_cpu_threads", "max_rounds_per_job", "limits",
      "protected_columns");
  private static final Set<String> MODELS = Set.of("templates", "max_parameters", "max_bytes");
  private static final Set<String> LIMITS = Set.of("max_local_epochs", "max_batch_size",
      "max_histogram_bins", "max_features", "max_cohort");
  private static final Set<String> SECURE = Set.of("required", "min_cohort", "max_corruption",
      "max_dropout", "min_neighbours", "min_threshold");
  private static final Set<String> WINDOW = Set.of("days", "from", "to");
  private static final Pattern TIME = Pattern.compile("(\\d{2}):(\\d{2})");
  private static final int MAX_COHORT = 100_000;
  private static final long MAX_PARAMETERS = Integer.MAX_VALUE - 8;

  private final String source;

  private PolicyParser(String source) {
    this.source = source;
  }

  static SitePolicy parse(String json, String source) {
    return new PolicyParser(source).policy(json);
  }

  private SitePolicy policy(String json) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidPolicyException(source + " is not valid JSON at line "
          + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": "
          + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new InvalidPolicyException(source + ": a site policy must be a JSON object such as {}"
          + " (every field is optional), was " + (root == null ? "empty" : root.toString()));
    }
    fields(root, TOP, "");
    SitePolicy defaults = SitePolicy.defaults();

    Optional<Set<String>> datasets = root.has("datasets")
        ? Optional.of(strings(root.get("datasets"), "datasets")) : Optional.empty();

    Set<String> templates = defaults.modelTemplates();
    long maxParameters = defaults.maxParameters();
    long maxModelBytes = defaults.limits().maxModelBytes();
    if (root.has("models")) {
      JsonNode models = object(root.get("models"), "models");
      fields(models, MODELS, "models.");
      if (models.has("templates")) {
        templates = strings(models.get("templates"), "models.templates");
        for (String template : templates) {
          if (ModelTemplate.byPolicyName(template).isEmpty()) {
            throw error("models.templates", "\"" + template + "\"",
                "known templates: " + ModelTemplate.policyNames());
          }
        }
      }
      maxParameters = integer(models, "max_parameters", "models.", maxParameters, 1, MAX_PARAMETERS);
      maxModelBytes = integer(models, "max_bytes", "models.", maxModelBytes, 1, Long.MAX_VALUE);
    }

    SecureAggregationRules secure = root.has("secure_aggregation")
        ? secureAggregation(root.get("secure_aggregation"), defaults.secureAggregation())
        : defaults.secureAggregation();

    List<TrainingWindow> windows = root.has("training_windows")
        ? windows(root.get("training_windows")) : List.of();

    Optional<ZoneId> timezone = Optional.empty();
    if (root.has("timezone")) {
      JsonNode zone = root.get("timezone");
      try {
        timezone = Optional.of(ZoneId.of(zone.isTextual() ? zone.textValue() : "?"));
      } catch (DateTimeException e) {
        throw error("timezone", zone.toString(), "expected a region id such as \"Europe/Berlin\" or \"UTC\"");
      }
    }

    int threads = (int) integer(root, "max_cpu_threads", "", defaults.maxCpuThreads(), 1, 4096);
    int rounds = (int) integer(root, "max_rounds_per_job", "", defaults.maxRoundsPerJob(), 1,
        Integer.MAX_VALUE);
    TaskLimits limits = limits(root, defaults.limits(), maxModelBytes);
    Set<String> protectedColumns = root.has("protected_columns")
        ? strings(root.get("protected_columns"), "protected_columns") : Set.of();
    return new SitePolicy(datasets, templates, maxParameters, secure, windows,
        timezone, threads, rounds, limits, protectedColumns);
  }

  private SecureAggregationRules secureAggregation(JsonNode node, SecureAggregationRules defaults) {
    JsonNode secure = object(node, "secure_aggregation");
    fields(secure, SECURE, "secure_aggregation.");
    boolean required = defaults.required();
    if (secure.has("required")) {
      JsonNode value = secure.get("required");
      if (!value.isBoolean()) {
        throw error("secure_aggregation.required", value.toString(), "expected true or false");
      }
      required = value.booleanValue();
    }
    String prefix = "secure_aggregation.";
    int minCohort = (int) integer(secure, "min_cohort", prefix, defaults.minCohort(), 1, MAX_COHORT);
    double corruption = fraction(secure, "max_corruption", prefix, defaults.threatModel().maxCorruption());
    double dropout = fraction(secure, "max_dropout", prefix, defaults.threatModel().maxDropout());
    int minNeighbours = (int) integer(secure, "min_neighbours", prefix, defaults.minNeighbours(), 2, MAX_COHORT);
    int minThreshold = (int) integer(secure, "min_threshold", prefix, defaults.minThreshold(), 2, MAX_COHORT);
    return new SecureAggregationRules(required, minCohort, new ThreatModel(corruption, dropout),
        minNeighbours, minThreshold);
  }

  /** A fraction from 0 to below 0.5 (more than half colluding or dropping leaves nothing to bound). */
  private double fraction(JsonNode node, String name, String prefix, double fallback) {
    JsonNode value = node.get(name);
    if (value == null) {
      return fallback;
    }
    if (!value.isNumber() || !(value.doubleValue() >= 0 && value.doubleValue() < 0.5)) {
      throw error(prefix + name, value.toString(), "expected a fraction of the cohort from 0 to below 0.5,"
          + " such as 0.1");
    }
    return value.doubleValue();
  }

  private TaskLimits limits(JsonNode root, TaskLimits defaults, long maxModelBytes) {
    if (!root.has("limits")) {
      return new TaskLimits(defaults.maxLocalEpochs(), defaults.maxBatchSize(),
          defaults.maxHistogramBins(), defaults.maxFeatures(), defaults.maxCohort(), maxModelBytes);
    }
    JsonNode node = object(root.get("limits"), "limits");
    fields(node, LIMITS, "limits.");
    return new TaskLimits(
        (int) integer(node, "max_local_epochs", "limits.", defaults.maxLocalEpochs(), 1, 1_000_000),
        (int) integer(node, "max_batch_size", "limits.", defaults.maxBatchSize(), 1, 1 << 24),
        (int) integer(node, "max_histogram_bins", "limits.", defaults.maxHistogramBins(), 2, 10_000_000),
        (int) integer(node, "max_features", "limits.", defaults.maxFeatures(), 1, 10_000_000),
        (int) integer(node, "max_cohort", "limits.", defaults.maxCohort(), 2, MAX_COHORT),
        maxModelBytes);
  }

  private List<TrainingWindow> windows(JsonNode node) {
    if (!node.isArray()) {
      throw error("training_windows", node.toString(), "expected a list of {\"days\", \"from\", \"to\"}");
    }
    if (node.isEmpty()) {
      throw error("training_windows", "[]", "an empty list would forbid all training; omit the"
          + " field to allow training at any time");
    }
    List<TrainingWindow> windows = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      String field = "training_windows[" + i + "]";
      JsonNode window = object(node.get(i), field);
      fields(window, WINDOW, field + ".");
      Set<DayOfWeek> days = EnumSet.allOf(DayOfWeek.class);
      if (window.has("days")) {
        days = EnumSet.noneOf(DayOfWeek.class);
        JsonNode list = window.get("days");
        if (!list.isArray() || list.isEmpty()) {
          throw error(field + ".days", list.toString(),
              "expected a non-empty list such as [\"MON\", \"TUE\"]; omit it for every day");
        }
        for (int d = 0; d < list.size(); d++) {
          days.add(day(list.get(d), field + ".days[" + d + "]"));
        }
      }
      LocalTime from = time(window, field, "from", false);
      LocalTime to = time(window, field, "to", true);
      if (from.equals(to) && !from.equals(LocalTime.MIDNIGHT)) {
        throw error(field + ".to", "\"" + to + "\"", "equals from; use \"from\": \"00:00\","
            + " \"to\": \"24:00\" for a whole day");
      }
      windows.add(new TrainingWindow(days, from, to));
    }
    return windows;
  }

  private DayOfWeek day(JsonNode node, String field) {
    if (node.isTextual()) {
      String text = node.textValue().strip().toUpperCase(Locale.ROOT);
      for (DayOfWeek day : DayOfWeek.values()) {
        if (day.name().equals(text) || day.name().substring(0, 3).equals(text)) {
          return day;
        }
      }
    }
    throw error(field, node.toString(), "expected one of MON, TUE, WED, THU, FRI, SAT, SUN");
  }

  private LocalTime time(JsonNode window, String field, String name, boolean endOfDayAllowed) {
    JsonNode node = window.get(name);
    String where = field + "." + name;
    if (node == null) {
      throw new InvalidPolicyException(source + ": " + where + " is required (\"HH:mm\")");
    }
    Matcher m = TIME.matcher(node.isTextual() ? node.textValue() : "");
    if (m.matches()) {
      int hour = Integer.parseInt(m.group(1));
      int minute = Integer.parseInt(m.group(2));
      if (endOfDayAllowed && hour == 24 && minute == 0) {
        return LocalTime.MIDNIGHT;
      }
      if (hour < 24 && minute < 60) {
        return LocalTime.of(hour, minute);
      }
    }
    throw error(where, node.toString(), "expected a time \"HH:mm\" between \"00:00\" and "
        + (endOfDayAllowed ? "\"24:00\"" : "\"23:59\""));
  }

  private Set<String> strings(JsonNode node, String field) {
    if (!node.isArray()) {
      throw error(field, node.toString(), "expected a list of names such as [\"ai4i\"]");
    }
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode item = node.get(i);
      if (!item.isTextual() || item.textValue().isBlank()) {
        throw error(field + "[" + i + "]", item.toString(), "expected a non-blank string");
      }
      names.add(item.textValue());
    }
    return names;
  }

  private long integer(JsonNode node, String name, String prefix, long fallback, long min, long max) {
    JsonNode value = node.get(name);
    if (value == null) {
      return fallback;
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong()
        || value.longValue() < min || value.longValue() > max) {
      throw error(prefix + name, value.toString(), "expected a whole number from " + min + " to " + max);
    }
    return value.longValue();
  }

  private JsonNode object(JsonNode node, String field) {
    if (!node.isObject()) {
      throw error(field, node.toString(), "expected an object");
    }
    return node;
  }

  private void fields(JsonNode node, Set<String> known, String prefix) {
    node.fieldNames().forEachRemaining(name -> {
      if (!known.contains(name)) {
        throw new InvalidPolicyException(source + ": unknown field '" + prefix + name
            + "'; allowed: " + known.stream().sorted().toList());
      }
    });
  }

  private InvalidPolicyException error(String field, String value, String expected) {
    String shown = value.length() > 80 ? value.substring(0, 77) + "..." : value;
    return new InvalidPolicyException(source + ": " + field + " was " + shown + "; " + expected);
  }
}
