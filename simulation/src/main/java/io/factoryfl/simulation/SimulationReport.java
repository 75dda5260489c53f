package io.factoryfl.simulation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** Writes {@code summary.json} and {@code rounds.csv}, and prints the comparison table. */
final class SimulationReport {
  private SimulationReport() {}

  static void write(SimulationResult result, Path out) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode summary = mapper.createObjectNode();
    SimulationConfig c = result.config();
    ObjectNode configuration = summary.putObject("configuration");
    configuration.put("factories", c.factories());
    configuration.put("rounds", c.rounds());
    configuration.put("seed", c.seed());
    configuration.put("local_epochs", c.localEpochs());
    configuration.put("batch_size", c.batchSize());
    configuration.put("learning_rate", c.learningRate());
    configuration.put("scenario", result.scenario());
    boolean ai4i = result.scenario().equals(SimulationMain.AI4I);
    if (ai4i) {
      c.hiddenLayers().forEach(configuration.putArray("hidden_layers")::add);
    }
    configuration.put("dataset", result.description());
    if (ai4i) {
      configuration.put("hold_out", SimulationConfig.HOLD_OUT);
    }
    configuration.put("secure_aggregation", c.secureAggregation());
    configuration.put("strategy", c.serverOptimizer() != null ? "fed" + c.serverOptimizer().algorithm().key()
        : c.serverMomentum() > 0 ? "fedavgm" : "fedavg");
    configuration.put("server_momentum", c.serverMomentum());
    if (c.serverOptimizer() != null) {
      ObjectNode optimizer = configuration.putObject("server_optimizer");
      optimizer.put("name", c.serverOptimizer().algorithm().key());
      optimizer.put("learning_rate", c.serverOptimizer().learningRate());
      optimizer.put("beta1", c.serverOptimizer().beta1());
      optimizer.put("beta2", c.serverOptimizer().beta2());
      optimizer.put("tau", c.serverOptimizer().tau());
    }
    configuration.put("proximal_mu", c.proximalMu());
    configuration.put("transport", "gRPC over loopback, mutual TLS 1.3");
    var factories = summary.putArray("factories");
    for (Plant plant : result.factories()) {
      ObjectNode node = factories.addObject();
      node.put("name", plant.name());
      if (plant instanceof Factory f) {
        node.put("partition", f.description());
        node.put("train_rows", f.train().rows());
        node.put("eval_rows", f.eval().rows());
      } else if (plant instanceof ImagePlant p) {
        node.put("partition", p.description());
        node.put("train_images", p.train().size());
        node.put("eval_images", p.eval().size());
        NeuSurfaceScenario.classCounts(p.train()).forEach(node.putArray("train_images_per_class")::add);
        NeuSurfaceScenario.classCounts(p.eval()).forEach(node.putArray("eval_images_per_class")::add);
      }
    }
    var rounds = summary.putArray("rounds");
    for (RoundRecord r : result.rounds()) {
      ObjectNode node = rounds.addObject();
      node.put("round", r.round());
      node.put("participants", r.participants());
      node.put("train_loss", r.trainLoss());
      for (String metric : result.metricNames()) {
        node.put(metric, r.metric(metric));
      }
      node.put("seconds", r.seconds());
    }
    ObjectNode timings = summary.putObject("timings_seconds");
    timings.put("federation", result.federationSeconds());
    timings.put("centralized", result.centralizedSeconds());
    timings.put("local_only", result.localSeconds());
    timings.put("total", result.totalSeconds());
    summary.put("secure_aggregation", c.secureAggregation());
    summary.put("model_hash", result.modelHash());
    ObjectNode fin = summary.putObject("final");
    score(fin.putObject("federated"), result.federated());
    score(fin.putObject("centralized"), result.centralized());
    ObjectNode local = fin.putObject("local_only");
    for (Map.Entry<String, Score> e : result.localOnly().entrySet()) {
      score(local.putObject(e.getKey()), e.getValue());
    }
    Files.createDirectories(out);
    Files.writeString(out.resolve("summary.json"),
        mapper.writerWithDefaultPrettyPrinter().writeValueAsString(summary), StandardCharsets.UTF_8);

    StringBuilder csv = new StringBuilder("round,participants,train_loss,")
        .append(String.join(",", result.metricNames())).append(",seconds\n");
    for (RoundRecord r : result.rounds()) {
      csv.append(String.format(Locale.ROOT, "%d,%d,%.6f,", r.round(), r.participants(), r.trainLoss()));
      for (String metric : result.metricNames()) {
        csv.append(String.format(Locale.ROOT, "%.6f,", r.metric(metric)));
      }
      csv.append(String.format(Locale.ROOT, "%.3f%n", r.seconds()));
    }
    Files.writeString(out.resolve("rounds.csv"), csv, StandardCharsets.UTF_8);
  }

  private static void score(ObjectNode node, Score score) {
    score.metrics().forEach(node::put);
  }

  /** Report headings of the metrics a simulation shows. */
  private static final Map<String, String> HEADINGS = Map.of("roc_auc", "ROC-AUC", "pr_auc", "PR-AUC",
      "rmse", "RMSE", "mae", "MAE", "r2", "R2", "accuracy", "accuracy", "macro_f1", "macro-F1");

  /** A metric's column heading: {@code recall[rolled-in_scale]} shows as {@code R:rolled}. */
  private static String heading(String metric) {
    if (metric.startsWith("recall[") && metric.endsWith("]")) {
      String name = metric.substring("recall[".length(), metric.length() - 1);
      return "R:" + name.substring(0, Math.min(6, name.length()));
    }
    return HEADINGS.getOrDefault(metric, metric);
  }

  static void print(SimulationResult result, PrintStream out) {
    out.println();
    out.println(result.scenario().equals(SimulationMain.AI4I)
        ? "Evaluated on the union of all factories' held-out rows:"
        : result.scenario().equals(SecomScenario.NAME)
            ? "Evaluated on the union of all plants' held-out rows (" + SecomScenario.EVALUATED_ON + "):"
            : result.scenario().equals(NeuSurfaceScenario.NAME)
                ? "Evaluated on the union of all plants' held-out images (" + NeuSurfaceScenario.EVALUATED_ON + "):"
                : "Evaluated on the union of all plants' held-out engines (" + CmapssScenario.EVALUATED_ON + "):");
    java.util.List<String> metrics = result.metricNames();
    StringBuilder heading = new StringBuilder(String.format(Locale.ROOT, "  %-28s", "model"));
    metrics.forEach(m -> heading.append(String.format(Locale.ROOT, " %8s", heading(m))));
    out.println(heading);
    line(out, "federated (" + result.config().strategyName() + ")", result.federated(), metrics);
    line(out, "centralized (pooled data)", result.centralized(), metrics);
    for (Map.Entry<String, Score> e : result.localOnly().entrySet()) {
      line(out, e.getKey() + " alone", e.getValue(), metrics);
    }
    StringBuilder mean = new StringBuilder(String.format(Locale.ROOT, "  %-28s", "mean of local-only"));
    metrics.forEach(m -> mean.append(String.format(Locale.ROOT, " %8.4f", result.meanLocal(m))));
    out.println(mean);
    if (!result.rounds().isEmpty() && !Double.isNaN(result.rounds().get(result.rounds().size() - 1).rocAuc())) {
      RoundRecord last = result.rounds().get(result.rounds().size() - 1);
      out.printf(Locale.ROOT, "the coordinator's federated ROC-AUC %.4f (from the sites' log-odds histograms) vs exact"
          + " %.4f: difference %.5f, reported bound %.5f%n", last.rocAuc(), result.federated().rocAuc(),
          Math.abs(last.rocAuc() - result.federated().rocAuc()), last.rocAucBound());
    }
    if (metrics.stream().anyMatch(m -> m.startsWith("recall["))) {
      out.println("  (R:xxx is the recall of the class whose name starts with xxx)");
    }
    out.printf(Locale.ROOT, "federation %.1f s, centralized %.1f s, local-only %.1f s, total %.1f s%n",
        result.federationSeconds(), result.centralizedSeconds(), result.localSeconds(),
        result.totalSeconds());
  }

  private static void line(PrintStream out, String name, Score score, java.util.List<String> metrics) {
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-28s", name));
    metrics.forEach(m -> line.append(String.format(Locale.ROOT, " %8.4f", score.get(m))));
    out.println(line);
  }
}
