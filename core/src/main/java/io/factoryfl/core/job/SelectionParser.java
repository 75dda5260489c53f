package io.factoryfl.core.job;

import io.factoryfl.core.job.SelectionSpec.Mode;
import io.factoryfl.core.task.TaskKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads and checks the {@code select} block of a job spec ({@link SelectionSpec}): the metric
 * must be one the job's task reports, so a typo cannot leave a job keeping its first round.
 */
final class SelectionParser {
  static final String KEY = "select";
  private static final Set<String> FIELDS = Set.of("metric", "mode", "patience");
  /** Reported next to roc_auc, but a property of the histogram binning, not of the model. */
  static final String ERROR_BOUND = "roc_auc_error_bound";

  private SelectionParser() {}

  /**
   * The spec's selection, if it has a {@code select} block.
   *
   * @param classes the job's label classes (empty for regression)
   */
  static Optional<SelectionSpec> parse(SpecNode top, TaskKind kind, List<String> classes, int evaluateEvery) {
    if (!top.has(KEY)) {
      return Optional.empty();
    }
    SpecNode node = top.object(KEY, FIELDS);
    String metric = node.requiredString("metric");
    checkMetric(node, metric, kind, classes);
    Mode mode = mode(node, metric);
    int patience = patience(node);
    if (evaluateEvery == 0) {
      throw new InvalidJobSpecException("evaluate_every", "was 0 (never evaluate), but select chooses the"
          + " round by its federated evaluation; set evaluate_every to 1 or more, or remove select");
    }
    return Optional.of(new SelectionSpec(metric, mode, patience));
  }

  /**
   * The metrics a task reports that a job may select on, in the task's order: binary {@code loss,
   * accuracy, roc_auc, pr_auc, precision, recall, f1}; multi-class {@code loss, accuracy,
   * balanced_accuracy, macro_f1, macro_roc_auc} and per class {@code precision[CLASS],
   * recall[CLASS], f1[CLASS], roc_auc[CLASS]}; regression {@code loss, rmse, mae, r2}.
   */
  static List<String> selectableMetrics(TaskKind kind, List<String> classes) {
    return switch (kind) {
      case BINARY -> List.of("loss", "accuracy", "roc_auc", "pr_auc", "precision", "recall", "f1");
      case REGRESSION -> List.of("loss", "rmse", "mae", "r2");
      case MULTICLASS -> {
        List<String> names = new ArrayList<>(
            List.of("loss", "accuracy", "balanced_accuracy", "macro_f1", "macro_roc_auc"));
        for (String name : classes) {
          for (String metric : PER_CLASS) {
            names.add(metric + "[" + name + "]");
          }
        }
        yield List.copyOf(names);
      }
    };
  }

  private static final List<String> PER_CLASS = List.of("precision", "recall", "f1", "roc_auc");

  private static void checkMetric(SpecNode node, String metric, TaskKind kind, List<String> classes) {
    if (selectableMetrics(kind, classes).contains(metric)) {
      return;
    }
    String field = node.field("metric");
    String was = "was \"" + metric + "\"; ";
    if (metric.equals(ERROR_BOUND)) {
      throw new InvalidJobSpecException(field, was + "it bounds the binning error of roc_auc and says"
          + " nothing about the model; select on roc_auc instead");
    }
    int open = metric.indexOf('[');
    if (open > 0 && metric.endsWith("]") && PER_CLASS.contains(metric.substring(0, open))) {
      String base = metric.substring(0, open);
      String name = metric.substring(open + 1, metric.length() - 1);
      if (kind == TaskKind.BINARY) {
        throw new InvalidJobSpecException(field, was + "a binary task reports " + base + " for its positive"
            + " class \"" + classes.get(classes.size() - 1) + "\" only, without a class in the name; select on \""
            + base + "\"");
      }
      if (kind == TaskKind.MULTICLASS) {
        throw new InvalidJobSpecException(field, was + "\"" + name + "\" is not one of dataset.label_classes "
            + classes + "; per-class metrics are named like \"" + base + "[" + classes.get(0) + "]\"");
      }
    }
    List<String> general = kind == TaskKind.MULTICLASS
        ? List.of("loss", "accuracy", "balanced_accuracy", "macro_f1", "macro_roc_auc")
        : selectableMetrics(kind, classes);
    throw new InvalidJobSpecException(field, was + "a " + kind.key() + " task reports "
        + String.join(", ", general) + (kind == TaskKind.MULTICLASS
            ? " and per class precision[CLASS], recall[CLASS], f1[CLASS], roc_auc[CLASS] for CLASS in"
                + " dataset.label_classes " + classes : ""));
  }

  private static Mode mode(SpecNode node, String metric) {
    Mode fallback = SelectionSpec.defaultMode(metric);
    if (!node.has("mode")) {
      node.pin("mode", fallback.key());
      return fallback;
    }
    String key = node.string("mode", fallback.key());
    return Mode.byKey(key).orElseThrow(() -> new InvalidJobSpecException(node.field("mode"), "was \"" + key
        + "\"; must be \"max\" (larger is better) or \"min\" (smaller is better); for " + metric
        + " the default is \"" + fallback.key() + "\""));
  }

  private static int patience(SpecNode node) {
    if (!node.has("patience")) {
      return 0;
    }
    com.fasterxml.jackson.databind.JsonNode value = node.raw("patience");
    if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 1
        || value.asInt() > JobSpecParser.MAX_ROUNDS) {
      throw new InvalidJobSpecException(node.field("patience"), "was " + SpecNode.describe(value)
          + "; must be an integer from 1 to " + JobSpecParser.MAX_ROUNDS + ": the evaluations in a row"
          + " without improvement after which the job stops (leave it out to run every round)");
    }
    return value.asInt();
  }
}
