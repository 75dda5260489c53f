package io.factoryfl.participant.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What plant IT lets federated jobs do at this site. Read from a JSON file:
 *
 * <pre>{@code
 * {
 *   "datasets": ["ai4i"],
 *   "models": {"templates": ["mlp"], "max_parameters": 1000000},
 *   "secure_aggregation": {"required": true, "min_cohort": 3, "max_corruption": 0.1, "max_dropout": 0.3},
 *   "training_windows": [
 *     {"days": ["SAT", "SUN"], "from": "00:00", "to": "24:00"},
 *     {"days": ["MON", "TUE", "WED", "THU", "FRI"], "from": "22:00", "to": "06:00"}
 *   ],
 *   "timezone": "Europe/Berlin",
 *   "max_cpu_threads": 2,
 *   "max_rounds_per_job": 100,
 *   "limits": {"max_local_epochs": 20, "max_batch_size": 4096, "max_histogram_bins": 10000,
 *              "max_features": 1000, "max_cohort": 1000},
 *   "protected_columns": ["operator_id", "customer"]
 * }
 * }</pre>
 *
 * Every field is optional; {@code {}} is a valid policy. Fields and their defaults:
 *
 * <ul>
 *   <li>{@code datasets}: the catalogue names jobs may use. Absent: every dataset in the
 *       participant config's catalogue. {@code []} exposes none.
 *   <li>{@code models.templates}: the model shapes allowed, recognised by layer types; known:
 *       {@code "mlp"} (DenseLayer layers then one OutputLayer), {@code "lstm"}, {@code "cnn1d"} and
 *       {@code "cnn"} (see {@code ModelTemplate}). Absent: every known template.
 *   <li>{@code models.max_parameters}: the largest model, in parameters. Default 10,000,000.
 *   <li>{@code models.max_bytes}: the largest model download (4 bytes per parameter plus its
 *       configuration), checked against the download's header before anything is allocated.
 *       Default 64 MiB.
 *   <li>{@code secure_aggregation.required}: refuse plain-FedAvg training, so this site's update
 *       is only ever seen summed with others. Default {@code true}. It governs model updates only;
 *       feature statistics and evaluation metrics are aggregates and are sent as they are.
 *   <li>{@code secure_aggregation.min_cohort}: the smallest secure-aggregation cohort this site
 *       joins, itself included; applies whenever a job uses secure aggregation. Default 3 (in a
 *       cohort of 2 each site can subtract its own update from the sum).
 *   <li>{@code secure_aggregation.max_corruption}: the fraction of a cohort this site assumes may
 *       collude with the coordinator, from 0 to below 0.5. Default 0.1. It sets the smallest
 *       Shamir threshold t this site accepts: at the proposed k, {@code max(2, floor((k + C) / 2) +
 *       1)} with C = floor(max_corruption x cohort), so that a coordinator handing different survivor
 *       lists to different neighbours cannot collect both of this site's secrets even with every
 *       colluder among its neighbours ({@code 2t - k - 1} colluding neighbours are tolerated).
 *   <li>{@code secure_aggregation.max_dropout}: the fraction of a cohort this site expects to drop
 *       out of a round, from 0 to below 0.5. Default 0.3. It sets the smallest neighbourhood k this
 *       site accepts: the least k at which a round with that dropout aborts at most 1% of the time
 *       (union bound), or the cohort size - 1 (classic SecAgg) where no smaller k does. A round that
 *       aborts is retried, and every retry is another draw of the neighbour graph.
 *   <li>{@code secure_aggregation.min_neighbours}, {@code secure_aggregation.min_threshold}:
 *       explicit floors on k and t, applied on top of the derived ones (they never lower them).
 *       Default none. The docs' table (docs/secure-aggregation.md) lists the derived values.
 *   <li>{@code training_windows}: when training may run, in local time; see {@link
 *       TrainingWindow} for the meaning, including windows past midnight. {@code days} are
 *       {@code MON}..{@code SUN} (full names are accepted too; absent: every day), {@code from}
 *       and {@code to} are {@code HH:mm}, {@code to} may be {@code 24:00}. Absent: training may
 *       run at any time. An empty list is rejected as ambiguous.
 *   <li>{@code timezone}: a region id such as {@code Europe/Berlin} for the windows. Absent: the
 *       participant's clock zone (the host's default zone).
 *   <li>{@code max_cpu_threads}: the cap on threads local training may use. Default: half the
 *       processors the JVM sees, at least 1.
 *   <li>{@code max_rounds_per_job}: tasks of a round above this number are refused. Default 1000.
 *   <li>{@code limits}: what one task may ask of the site, see {@link TaskLimits}; defaults:
 *       {@code max_local_epochs} 100, {@code max_batch_size} 65,536, {@code max_histogram_bins}
 *       100,000, {@code max_features} 10,000, {@code max_cohort} 10,000.
 *   <li>{@code protected_columns}: this site's own column names that a job may never use as a
 *       feature or a label (after the catalogue's column mapping). Default none.
 * </ul>
 *
 * <p>A participant without a policy file enforces exactly these defaults ({@link #defaults()}),
 * so a site that never wrote a policy still requires secure aggregation with cohorts of at least
 * 3.
 *
 * Unknown fields and duplicate keys are errors, so a misspelt rule never silently falls back to
 * its default.
 *
 * @param datasets the exposed datasets, or empty for every dataset in the catalogue
 * @param modelTemplates allowed template names (see {@code models.templates})
 * @param timezone the zone of the training windows, or empty for the participant clock's zone
 */
public record SitePolicy(
    Optional<Set<String>> datasets,
    Set<String> modelTemplates,
    long maxParameters,
    SecureAggregationRules secureAggregation,
    List<TrainingWindow> trainingWindows,
    Optional<ZoneId> timezone,
    int maxCpuThreads,
    int maxRoundsPerJob,
    TaskLimits limits,
    Set<String> protectedColumns) {

  public static final long DEFAULT_MAX_PARAMETERS = 10_000_000;
  public static final int DEFAULT_MIN_COHORT = SecureAggregationRules.DEFAULT_MIN_COHORT;
  public static final int DEFAULT_MAX_ROUNDS_PER_JOB = 1000;

  public SitePolicy {
    Objects.requireNonNull(datasets, "datasets must not be null (use Optional.empty() for all)");
    Objects.requireNonNull(timezone, "timezone must not be null (use Optional.empty() for the clock's)");
    datasets = datasets.map(Set::copyOf);
    modelTemplates = Set.copyOf(modelTemplates);
    trainingWindows = List.copyOf(trainingWindows);
    Objects.requireNonNull(limits, "limits must not be null (use TaskLimits.defaults())");
    Objects.requireNonNull(secureAggregation,
        "secureAggregation must not be null (use SecureAggregationRules.defaults())");
    protectedColumns = Set.copyOf(protectedColumns);
    for (String template : modelTemplates) {
      if (ModelTemplate.byPolicyName(template).isEmpty()) {
        throw new IllegalArgumentException("unknown model template '" + template + "'; known: "
            + ModelTemplate.policyNames());
      }
    }
    positive("maxParameters", maxParameters);
    positive("maxCpuThreads", maxCpuThreads);
    positive("maxRoundsPerJob", maxRoundsPerJob);
  }

  /** The policy of an empty policy file: every default above. */
  public static SitePolicy defaults() {
    return new SitePolicy(Optional.empty(), Set.copyOf(ModelTemplate.policyNames()),
        DEFAULT_MAX_PARAMETERS, SecureAggregationRules.defaults(), List.of(), Optional.empty(),
        defaultMaxCpuThreads(), DEFAULT_MAX_ROUNDS_PER_JOB, TaskLimits.defaults(), Set.of());
  }

  /**
   * Parses and validates a policy.
   *
   * @param source names the policy in error messages, usually the file path
   * @throws InvalidPolicyException naming the source, the field and the value
   */
  public static SitePolicy parse(String json, String source) {
    return PolicyParser.parse(json, source);
  }

  /**
   * Reads and validates a policy file.
   *
   * @throws InvalidPolicyException if the file cannot be read or is not a valid policy
   */
  public static SitePolicy load(Path file) {
    String json;
    try {
      json = Files.readString(file);
    } catch (IOException e) {
      throw new InvalidPolicyException("cannot read site policy " + file + ": " + e);
    }
    return parse(json, file.toString());
  }

  /** {@code secure_aggregation.required}. */
  public boolean secureAggregationRequired() {
    return secureAggregation.required();
  }

  /** {@code secure_aggregation.min_cohort}. */
  public int minCohort() {
    return secureAggregation.minCohort();
  }

  /** Whether jobs may use this catalogue dataset. */
  public boolean exposes(String dataset) {
    return datasets.map(names -> names.contains(dataset)).orElse(true);
  }

  /**
   * The windows in words with their zone, for example {@code Sat-Sun all day, Mon-Fri
   * 22:00-06:00 Europe/Berlin}, or {@code any time} when there are none.
   */
  public String describeWindows(ZoneId zone) {
    if (trainingWindows.isEmpty()) {
      return "any time";
    }
    return trainingWindows.stream().map(TrainingWindow::describe).collect(Collectors.joining(", "))
        + " " + zone.getId();
  }

  /** The allowed templates, sorted, for messages. */
  Set<String> sortedTemplates() {
    return new TreeSet<>(modelTemplates);
  }

  static int defaultMaxCpuThreads() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  private static void positive(String field, long value) {
    if (value < 1) {
      throw new IllegalArgumentException(field + " must be at least 1, was " + value);
    }
  }
}
