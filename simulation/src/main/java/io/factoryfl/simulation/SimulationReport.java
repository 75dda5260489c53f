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
    c.hiddenLayers().forEach(configuration.putArray("hidden_layers")::add);
    configuration.put("dataset", c.dataset() == null ? "ai4i2020.csv (bundled)" : c.dataset().toString());
    configuration.put("hold_out", SimulationConfig.HOLD_OUT);
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
    for (Factory f : result.factories()) {
      ObjectNode node = factories.addObject();
      node.put("name", f.name());
      node.put("partition", f.description());
      node.put("train_rows", f.train().rows());
      node.put("eval_rows", f.eval().rows());
    }
    var rounds = summary.putArray("rounds");
    for (RoundRecord r : result.rounds()) {
      ObjectNode node = rounds.addObject();
      node.put("round", r.round());
      node.put("participants", r.participants());
      node.put("train_loss", r.trainLoss());
      node.put("roc_auc", r.rocAuc());
      node.put("pr_auc", r.prAuc());
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

    StringBuilder csv = new StringBuilder("round,participants,train_loss,roc_auc,pr_auc,seconds\n");
    for (RoundRecord r : result.rounds()) {
      csv.append(String.format(Locale.ROOT, "%d,%d,%.6f,%.6f,%.6f,%.3f%n", r.round(), r.participants(),
          r.trainLoss(), r.rocAuc(), r.prAuc(), r.seconds()));
    }
    Files.writeString(out.resolve("rounds.csv"), csv, StandardCharsets.UTF_8);
  }

  private static void score(ObjectNode node, Score score) {
    node.put("roc_auc", score.rocAuc());
    node.put("pr_auc", score.prAuc());
  }

  static void print(SimulationResult result, PrintStream out) {
    out.println();
    out.println("Evaluated on the union of all factories' held-out rows:");
    out.printf(Locale.ROOT, "  %-28s %8s %8s%n", "model", "ROC-AUC", "PR-AUC");
    line(out, "federated (" + result.config().strategyName() + ")", result.federated());
    line(out, "centralized (pooled data)", result.centralized());
    for (Map.Entry<String, Score> e : result.localOnly().entrySet()) {
      line(out, e.getKey() + " alone", e.getValue());
    }
    out.printf(Locale.ROOT, "  %-28s %8.4f%n", "mean of local-only", result.meanLocalRocAuc());
    if (!result.rounds().isEmpty() && !Double.isNaN(result.rounds().get(result.rounds().size() - 1).rocAuc())) {
      RoundRecord last = result.rounds().get(result.rounds().size() - 1);
      out.printf(Locale.ROOT, "the coordinator's federated ROC-AUC %.4f (from the sites' log-odds histograms) vs exact"
          + " %.4f: difference %.5f, reported bound %.5f%n", last.rocAuc(), result.federated().rocAuc(),
          Math.abs(last.rocAuc() - result.federated().rocAuc()), last.rocAucBound());
    }
    out.printf(Locale.ROOT, "federation %.1f s, centralized %.1f s, local-only %.1f s, total %.1f s%n",
        result.federationSeconds(), result.centralizedSeconds(), result.localSeconds(),
        result.totalSeconds());
  }

  private static void line(PrintStream out, String name, Score score) {
    out.printf(Locale.ROOT, "  %-28s %8.4f %8.4f%n", name, score.rocAuc(), score.prAuc());
  }
}
