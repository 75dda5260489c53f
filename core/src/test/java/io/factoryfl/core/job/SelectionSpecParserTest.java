package io.factoryfl.core.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.job.SelectionSpec.Mode;
import io.factoryfl.core.task.LabelScale;
import io.factoryfl.core.task.TaskFamily;
import io.factoryfl.core.task.TaskKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The job spec's {@code select} block: metric, mode, patience, and its need for evaluations. */
class SelectionSpecParserTest {
  private static final String MULTICLASS = ", \"label_classes\": [\"ok\", \"scratch\", \"dent\"]";
  private static final String REGRESSION = ", \"task\": \"regression\"";

  /** A spec with {@code dataset} appended to the dataset block and {@code top} to the top level. */
  private static String spec(String dataset, String top) {
    return """
        {"name": "select", "model": {"template": "mlp", "hidden_layers": [4]},
         "dataset": {"name": "plant", "numeric_features": ["s1", "s2"], "label": "y"%s}%s}"""
        .formatted(dataset, top);
  }

  private static String select(String block) {
    return ", \"select\": " + block;
  }

  private static Optional<SelectionSpec> parse(String dataset, String top) {
    return JobSpecParser.parse(spec(dataset, top)).selection();
  }

  private static void assertRefused(String json, String field, String... words) {
    InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class, () -> JobSpecParser.parse(json));
    assertEquals(field, e.field(), e.getMessage());
    for (String word : words) {
      assertTrue(e.getMessage().contains(word), e.getMessage());
    }
  }

  @Test
  void withoutSelect_theJobHasNoSelection() {
    assertEquals(Optional.empty(), parse("", ""));
  }

  @Test
  void binaryRocAuc_defaultsToMaxAndNoEarlyStopping() {
    SelectionSpec selection = parse("", select("{\"metric\": \"roc_auc\"}")).orElseThrow();
    assertEquals(new SelectionSpec("roc_auc", Mode.MAX, 0), selection);
    assertEquals(false, selection.stopsEarly());
  }

  @Test
  void errorsDefaultToMin_everyOtherMetricToMax() {
    assertEquals(Mode.MIN, parse("", select("{\"metric\": \"loss\"}")).orElseThrow().mode());
    assertEquals(Mode.MIN, parse("", REGRESSION + select("{\"metric\": \"rmse\"}")).orElseThrow().mode());
    assertEquals(Mode.MIN, parse("", REGRESSION + select("{\"metric\": \"mae\"}")).orElseThrow().mode());
    assertEquals(Mode.MAX, parse("", REGRESSION + select("{\"metric\": \"r2\"}")).orElseThrow().mode());
    assertEquals(Mode.MAX, parse("", select("{\"metric\": \"pr_auc\"}")).orElseThrow().mode());
    assertEquals(Mode.MAX, parse(MULTICLASS, select("{\"metric\": \"recall[dent]\"}")).orElseThrow().mode());
  }

  @Test
  void anExplicitModeAndPatience_areKept() {
    assertEquals(new SelectionSpec("accuracy", Mode.MIN, 3),
        parse("", select("{\"metric\": \"accuracy\", \"mode\": \"min\", \"patience\": 3}")).orElseThrow());
    assertEquals(new SelectionSpec("macro_f1", Mode.MAX, 1),
        parse(MULTICLASS, select("{\"metric\": \"macro_f1\", \"patience\": 1}")).orElseThrow());
  }

  @Test
  void perClassMetrics_areSelectableForTheJobsOwnClasses() {
    for (String metric : List.of("precision[ok]", "recall[scratch]", "f1[dent]", "roc_auc[dent]")) {
      assertEquals(metric, parse(MULTICLASS, select("{\"metric\": \"" + metric + "\"}")).orElseThrow().metric());
    }
  }

  @Test
  void aMetricTheTaskDoesNotReport_isRefusedListingTheTasksMetrics() {
    assertRefused(spec("", select("{\"metric\": \"rmse\"}")), "select.metric", "was \"rmse\"",
        "a binary task reports loss, accuracy, roc_auc, pr_auc, precision, recall, f1");
    assertRefused(spec("", REGRESSION + select("{\"metric\": \"accuracy\"}")), "select.metric",
        "was \"accuracy\"", "a regression task reports loss, rmse, mae, r2");
    assertRefused(spec(MULTICLASS, select("{\"metric\": \"roc_auc\"}")), "select.metric", "was \"roc_auc\"",
        "macro_roc_auc", "roc_auc[CLASS]", "[ok, scratch, dent]");
    assertRefused(spec("", select("{\"metric\": \"ROC_AUC\"}")), "select.metric", "was \"ROC_AUC\"");
  }

  @Test
  void aPerClassMetricOfAnotherClass_isRefusedNamingTheClasses() {
    assertRefused(spec(MULTICLASS, select("{\"metric\": \"recall[crack]\"}")), "select.metric",
        "was \"recall[crack]\"", "\"crack\" is not one of dataset.label_classes [ok, scratch, dent]");
    assertRefused(spec("", select("{\"metric\": \"recall[1]\"}")), "select.metric",
        "was \"recall[1]\"", "positive class \"1\"", "select on \"recall\"");
  }

  @Test
  void theRocAucErrorBound_isNotSelectable() {
    assertRefused(spec("", select("{\"metric\": \"roc_auc_error_bound\"}")), "select.metric",
        "was \"roc_auc_error_bound\"", "select on roc_auc instead");
  }

  @Test
  void aBadModeOrPatience_isRefusedNamingTheValue() {
    assertRefused(spec("", select("{\"metric\": \"f1\", \"mode\": \"maximum\"}")), "select.mode",
        "was \"maximum\"", "\"max\"", "\"min\"", "for f1 the default is \"max\"");
    assertRefused(spec("", select("{\"metric\": \"f1\", \"patience\": 0}")), "select.patience",
        "was 0", "from 1 to 100000");
    assertRefused(spec("", select("{\"metric\": \"f1\", \"patience\": 2.5}")), "select.patience",
        "was 2.5", "integer");
    assertRefused(spec("", select("{\"metric\": \"f1\", \"patience\": \"3\"}")), "select.patience",
        "was \"3\"");
  }

  @Test
  void aMissingMetricOrAnUnknownField_isRefused() {
    assertRefused(spec("", select("{\"mode\": \"max\"}")), "select.metric", "is required");
    assertRefused(spec("", select("{\"metric\": \"f1\", \"patients\": 3}")), "select.patients",
        "unknown field", "[metric, mode, patience]");
    assertRefused(spec("", select("\"roc_auc\"")), "select", "must be a JSON object");
  }

  @Test
  void selectWithoutEvaluations_isRefused() {
    assertRefused(spec("", ", \"evaluate_every\": 0" + select("{\"metric\": \"f1\"}")), "evaluate_every",
        "was 0", "set evaluate_every to 1 or more, or remove select");
  }

  /** The selectable names are exactly what each task family reports, less the AUC error bound. */
  @Test
  void selectableMetrics_areTheMetricsEachTaskFamilyReports() {
    List<String> classes = List.of("ok", "scratch", "dent");
    assertEquals(reported(TaskFamily.of(TaskKind.BINARY, List.of("0", "1"), 100, List.of(), io.factoryfl.core.task.LabelClip.NONE, "mse"), 2),
        SelectionParser.selectableMetrics(TaskKind.BINARY, List.of("0", "1")));
    assertEquals(reported(TaskFamily.of(TaskKind.MULTICLASS, classes, 100, List.of(), io.factoryfl.core.task.LabelClip.NONE, "mse"), 3),
        SelectionParser.selectableMetrics(TaskKind.MULTICLASS, classes));
    assertEquals(reported(TaskFamily.of(TaskKind.REGRESSION, List.of(), 100, List.of(),
            io.factoryfl.core.task.LabelClip.NONE, "mse"), 1),
        SelectionParser.selectableMetrics(TaskKind.REGRESSION, List.of()));
  }

  private static List<String> reported(TaskFamily family, int outputs) {
    TaskFamily.Scoring scoring = family.newScoring(LabelScale.IDENTITY);
    float[] output = new float[outputs];
    java.util.Arrays.fill(output, 1f / outputs);
    scoring.add(output, 0);
    List<String> names = new ArrayList<>(family.metrics(scoring.sums()).values().keySet());
    names.remove(SelectionParser.ERROR_BOUND);
    return names;
  }
}
