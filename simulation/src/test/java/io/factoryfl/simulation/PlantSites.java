package io.factoryfl.simulation;

import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.participant.config.ParticipantConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Test fixture: real participant nodes for site directories that already hold an identity
 * ({@code site.pem}, {@code site-key.pem}, {@code site-signing-key.pem}, {@code ca.pem}, from
 * {@code participant enroll} or {@code ca issue}): writes each a share of the AI4I data and a
 * config file, and runs the real agent with the documented default policy (secure aggregation
 * required). Each site keeps its receipts and peer pins in its own directory.
 */
public final class PlantSites implements AutoCloseable {
  private final List<ParticipantNode> nodes = new ArrayList<>();

  /** The partitioned training data, one share per site, in the order of {@code sites}. */
  public static PlantSites start(List<Path> sites, String coordinator) throws IOException {
    CsvTable table;
    try (InputStream in = PlantSites.class.getResourceAsStream("/datasets/ai4i2020.csv")) {
      table = CsvTable.parse("ai4i2020.csv", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    List<Factory> factories = Partitioner.split(table, sites.size(), SimulationConfig.TYPE,
        SimulationConfig.PRODUCT_ID, SimulationConfig.HOLD_OUT, 7);
    PlantSites plants = new PlantSites();
    for (int i = 0; i < sites.size(); i++) {
      Path site = sites.get(i);
      CsvWriter.write(factories.get(i).train(), site.resolve("data/train.csv"));
      CsvWriter.write(factories.get(i).eval(), site.resolve("data/eval.csv"));
      Files.writeString(site.resolve("site.json"), """
          {"coordinator": "%s",
           "tls": {"certificate": "site.pem", "private_key": "site-key.pem", "ca": "ca.pem"},
           "datasets": {"%s": {"path": "data/train.csv", "eval_path": "data/eval.csv"}},
           "poll_wait_seconds": 10}""".formatted(coordinator, SimulationConfig.DATASET_NAME));
      plants.run(ParticipantConfig.load(site.resolve("site.json")), i);
    }
    return plants;
  }

  private void run(ParticipantConfig config, int index) throws IOException {
    nodes.add(ParticipantNode.start(config, new SplittableRandom(1000L * (index + 1)), List.of()));
  }

  /** AI4I's numeric feature columns as a JSON array, for job specs. */
  static String numericFeatures() {
    StringBuilder numeric = new StringBuilder("[");
    for (String column : SimulationConfig.NUMERIC) {
      numeric.append(numeric.length() > 1 ? ", " : "").append('"').append(column).append('"');
    }
    return numeric.append(']').toString();
  }

  /** A secure-aggregation job over {@code sites} sites, one round. */
  public static String secureJob(String name, int sites) {
    String numeric = numericFeatures();
    return """
        {"name": "%s", "model": {"template": "mlp", "hidden_layers": [8]},
         "dataset": {"name": "%s", "numeric_features": %s,
                     "categorical_features": [{"column": "Type", "categories": ["L", "M", "H"]}],
                     "label": "Machine failure", "label_classes": ["0", "1"]},
         "rounds": 1, "participants": {"min": %d, "max": %d},
         "training": {"local_epochs": 1, "batch_size": 64, "learning_rate": 0.01},
         "round_deadline_seconds": 30, "evaluate_every": 0, "seed": %d,
         "start_timeout_seconds": 60, "secure_aggregation": {"enabled": true}}"""
        // A seed per job name: each job starts from its own model, since a site sends at most one
        // masked input per base model (docs/secure-aggregation.md, "Retries").
        .formatted(name, SimulationConfig.DATASET_NAME, numeric, sites, sites, name.hashCode() & 0x7fffffff);
  }

  @Override
  public void close() throws InterruptedException {
    nodes.forEach(ParticipantNode::stop);
    for (ParticipantNode node : nodes) {
      node.close();
    }
  }
}
