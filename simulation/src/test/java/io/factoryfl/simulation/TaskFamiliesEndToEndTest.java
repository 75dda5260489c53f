package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.core.bundle.BundleCard;
import io.factoryfl.core.bundle.ModelBundle;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.task.EvaluationMetrics;
import io.factoryfl.core.task.EvaluationSums;
import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.participant.predict.BundleScorer;
import io.factoryfl.proto.v1.EvaluationDone;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.RoundEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression and multi-class jobs through the whole federation: real coordinator, real participant
 * agents over loopback mutual TLS, DL4J training, secure aggregation (the documented default
 * policy requires it, so round 0's statistics, label included, go through the secure sum). The
 * round state machine, the strategies and secure aggregation are the same code for every task;
 * only the task family differs.
 */
class TaskFamiliesEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path temp;

  /** Three plants whose rows come from {@code row} (header first), each with its own shift. */
  private static List<Factory> factories(String header, Function<SplittableRandom, String> row) {
    List<Factory> factories = new ArrayList<>();
    for (int f = 1; f <= 3; f++) {
      SplittableRandom random = new SplittableRandom(100 + f);
      StringBuilder train = new StringBuilder(header).append('\n');
      StringBuilder eval = new StringBuilder(header).append('\n');
      for (int i = 0; i < 600; i++) {
        (i % 5 == 0 ? eval : train).append(row.apply(random)).append('\n');
      }
      factories.add(new Factory("factory-" + f, "synthetic plant " + f,
          CsvTable.parse("train.csv", train.toString()), CsvTable.parse("eval.csv", eval.toString())));
    }
    return factories;
  }

  private static SimulationConfig config(Path out) {
    return new SimulationConfig(3, 1, 7, out, null, 1, 32, 0.01, List.of(16), 60, List.of(), true, Map.of(), 0);
  }

  static EvaluationDone run(Path out, List<Factory> factories, String spec) throws Exception {
    try (LoopbackFederation federation = LoopbackFederation.start(factories, config(out))) {
      federation.admin().awaitParticipants(3, Duration.ofSeconds(60));
      String jobId = federation.admin().submit(spec).getJobId();
      List<RoundEvent> events = new ArrayList<>();
      RoundEvent end = federation.admin().watch(jobId, Duration.ofSeconds(150), events::add);
      assertNotNull(end, "the job did not end: " + events);
      assertEquals(JobState.JOB_STATE_SUCCEEDED, end.getEnded().getState(), end.getEnded().getMessage());
      EvaluationDone last = null;
      for (RoundEvent event : events) {
        if (event.hasEvaluated()) {
          last = event.getEvaluated();
        }
      }
      assertNotNull(last, "no federated evaluation in " + events);
      JsonNode evaluation = null;
      for (String line : Files.readAllLines(out.resolve("coordinator-data/ledgers/" + jobId + ".jsonl"))) {
        JsonNode record = JSON.readTree(line);
        if (record.path("type").asText().equals("evaluation")) {
          evaluation = record;
        }
      }
      assertNotNull(evaluation, "the round log records the evaluation");
      for (Map.Entry<String, Double> metric : last.getMetricsMap().entrySet()) {
        if (Double.isFinite(metric.getValue())) {
          assertEquals(metric.getValue(), evaluation.path(metric.getKey()).asDouble(Double.NaN), 1e-12,
              "round log " + metric.getKey());
        }
      }
      assertBundleReproducesTheEvaluation(federation, jobId, out, last);
      return last;
    }
  }

  /**
   * `job model` writes a bundle; scoring every site's held-out file with it, as `factoryfl evaluate`
   * does, gives the federation's last evaluation exactly; `factoryfl predict` writes one row per input.
   */
  private static void assertBundleReproducesTheEvaluation(LoopbackFederation federation, String jobId, Path out,
      EvaluationDone federated) throws Exception {
    AdminClient.DownloadedModel downloaded = federation.admin().downloadModel(jobId);
    Path file = out.resolve("bundle.zip");
    new ModelBundle(BundleCard.fromJson(downloaded.bundleJson()),
        ModelDefinition.fromJson(downloaded.configurationJson()), downloaded.parameters()).write(file);
    ModelBundle bundle = ModelBundle.read(file);
    BundleScorer scorer = new BundleScorer(bundle, Map.of());
    EvaluationSums sums = null;
    List<Path> evalFiles = new ArrayList<>();
    for (int f = 1; f <= 3; f++) {
      Path eval = out.resolve("sites/factory-" + f + "/data/eval.csv");
      evalFiles.add(eval);
      sums = sums == null ? scorer.evaluate(eval) : sums.merge(scorer.evaluate(eval));
    }
    EvaluationMetrics local = bundle.card().family().metrics(sums);
    assertEquals(federated.getNumExamples(), local.numExamples());
    for (Map.Entry<String, Double> metric : federated.getMetricsMap().entrySet()) {
      double expected = metric.getValue();
      assertEquals(expected, local.get(metric.getKey()), 1e-9 * Math.max(1, Math.abs(expected)),
          "bundle " + metric.getKey() + " vs the federated evaluation");
    }
    long[][] confusion = local.confusion();
    int i = 0;
    for (long[] row : confusion) {
      for (long count : row) {
        assertEquals(federated.getConfusion(i++), count);
      }
    }

    Path predictions = out.resolve("predictions.csv");
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    int code = io.factoryfl.participant.predict.PredictCommand.run("predict", new String[] {"--model", file.toString(),
        "--data", evalFiles.get(0).toString(), "--out", predictions.toString()},
        new java.io.PrintStream(printed), System.err);
    assertEquals(0, code, printed.toString());
    List<String> lines = Files.readAllLines(predictions);
    assertEquals(Files.readAllLines(evalFiles.get(0)).size(), lines.size(), "a header and one row per input row");
    String header = lines.get(0);
    assertTrue(bundle.card().task().isClassification() ? header.contains("predicted_class,p_")
        : header.endsWith("predicted_" + bundle.card().schema().labelColumn()), header);

    int evaluated = io.factoryfl.participant.predict.PredictCommand.run("evaluate", new String[] {"--model",
        file.toString(), "--data", evalFiles.get(0) + "," + evalFiles.get(1) + "," + evalFiles.get(2)},
        new java.io.PrintStream(new java.io.ByteArrayOutputStream()), System.err);
    assertEquals(0, evaluated);
  }

  @Test
  @Timeout(240)
  void aBinaryJob_reportsRocAucWithItsBound_andTheBundleReproducesIt() throws Exception {
    List<Factory> factories = factories("x1,x2,failed", random -> {
      double x1 = random.nextGaussian();
      double x2 = random.nextGaussian();
      return x1 + "," + x2 + "," + (x1 + 0.5 * x2 + random.nextGaussian() * 0.5 > 1.5 ? 1 : 0);
    });
    String spec = """
        {"name": "failure",
         "model": {"template": "mlp", "hidden_layers": [16]},
         "dataset": {"name": "ai4i", "numeric_features": ["x1", "x2"], "label": "failed"},
         "rounds": 4, "participants": {"min": 3, "max": 3},
         "training": {"local_epochs": 3, "batch_size": 32, "learning_rate": 0.01},
         "round_deadline_seconds": 60, "seed": 13, "start_timeout_seconds": 60}""";
    EvaluationDone evaluated = run(temp.resolve("binary"), factories, spec);

    Map<String, Double> metrics = evaluated.getMetricsMap();
    assertTrue(metrics.get("roc_auc") > 0.85, metrics.toString());
    assertTrue(metrics.get("roc_auc_error_bound") < 1e-3, metrics.toString());
    assertEquals(4, evaluated.getConfusionCount());
  }

  @Test
  @Timeout(240)
  void aRegressionJob_learnsTheClippedLabel_andReportsRmseMaeAndR2() throws Exception {
    // y = 40 + 15 x1 - 10 x2 + noise, capped at 80 as remaining useful life is capped
    List<Factory> factories = factories("x1,x2,life", random -> {
      double x1 = random.nextGaussian();
      double x2 = random.nextGaussian();
      return x1 + "," + x2 + "," + (40 + 15 * x1 - 10 * x2 + random.nextGaussian() * 2);
    });
    String spec = """
        {"name": "remaining-life", "task": "regression",
         "model": {"template": "mlp", "hidden_layers": [16]},
         "dataset": {"name": "ai4i", "numeric_features": ["x1", "x2"], "label": "life",
                     "label_clip": {"max": 80}},
         "rounds": 6, "participants": {"min": 3, "max": 3},
         "training": {"local_epochs": 3, "batch_size": 32, "learning_rate": 0.01, "loss": "huber"},
         "round_deadline_seconds": 60, "seed": 11, "start_timeout_seconds": 60}""";
    EvaluationDone evaluated = run(temp.resolve("regression"), factories, spec);

    Map<String, Double> metrics = evaluated.getMetricsMap();
    assertTrue(metrics.get("r2") > 0.8, "R^2 " + metrics);
    assertTrue(metrics.get("rmse") < 8, "RMSE in label units " + metrics);
    assertTrue(metrics.get("mae") <= metrics.get("rmse"), metrics.toString());
    assertTrue(Double.isNaN(evaluated.getAccuracy()), "no accuracy for a regressor");
    assertEquals(0, evaluated.getConfusionCount());
  }

  @Test
  @Timeout(240)
  void aMulticlassJob_reportsTheConfusionMatrixAndMacroMetrics() throws Exception {
    List<Factory> factories = factories("x1,x2,fault", random -> {
      double x1 = random.nextGaussian();
      double x2 = random.nextGaussian();
      String fault = x1 + 0.3 * random.nextGaussian() > 0.5 ? "bearing"
          : x2 + 0.3 * random.nextGaussian() > 0.5 ? "seal" : "none";
      return x1 + "," + x2 + "," + fault;
    });
    String spec = """
        {"name": "fault-type",
         "model": {"template": "mlp", "hidden_layers": [16]},
         "dataset": {"name": "ai4i", "numeric_features": ["x1", "x2"], "label": "fault",
                     "label_classes": ["none", "bearing", "seal"]},
         "rounds": 5, "participants": {"min": 3, "max": 3},
         "training": {"local_epochs": 3, "batch_size": 32, "learning_rate": 0.01,
                      "class_weights": {"none": 1, "bearing": 1.5, "seal": 1.5}},
         "round_deadline_seconds": 60, "seed": 12, "start_timeout_seconds": 60}""";
    EvaluationDone evaluated = run(temp.resolve("multiclass"), factories, spec);

    Map<String, Double> metrics = evaluated.getMetricsMap();
    assertEquals(9, evaluated.getConfusionCount(), "3 x 3 confusion matrix");
    long total = evaluated.getConfusionList().stream().mapToLong(Long::longValue).sum();
    assertEquals(evaluated.getNumExamples(), total);
    assertTrue(metrics.get("accuracy") > 0.75, metrics.toString());
    assertTrue(metrics.get("macro_f1") > 0.6, metrics.toString());
    assertTrue(metrics.get("macro_roc_auc") > 0.85, metrics.toString());
    assertTrue(metrics.containsKey("recall[seal]") && metrics.containsKey("roc_auc[bearing]"), metrics.toString());
  }

  @Test
  @Timeout(240)
  void missingValuesImputedWithTheFederatedMean_trainAndScoreAlike() throws Exception {
    // about one x2 cell in six is missing (blank or NaN); under impute_mean it takes the federation's mean
    List<Factory> factories = factories("x1,x2,failed", random -> {
      double x1 = random.nextGaussian();
      double x2 = random.nextGaussian();
      String cell = random.nextInt(6) == 0 ? (random.nextBoolean() ? "" : "NaN") : Double.toString(x2);
      return x1 + "," + cell + "," + (x1 + 0.5 * x2 > 1 ? 1 : 0);
    });
    String spec = """
        {"name": "gaps",
         "model": {"template": "mlp", "hidden_layers": [16]},
         "dataset": {"name": "ai4i", "numeric_features": ["x1", "x2"], "label": "failed",
                     "missing_values": "impute_mean"},
         "rounds": 3, "participants": {"min": 3, "max": 3},
         "training": {"local_epochs": 2, "batch_size": 32, "learning_rate": 0.01},
         "round_deadline_seconds": 60, "seed": 14, "start_timeout_seconds": 60}""";
    EvaluationDone evaluated = run(temp.resolve("missing"), factories, spec);

    assertTrue(evaluated.getMetricsMap().get("roc_auc") > 0.8, evaluated.getMetricsMap().toString());
  }
}
