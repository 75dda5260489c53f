package io.factoryfl.simulation;

import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.admin.EventFormat;
import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.Normalization;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.model.ModelFile;
import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.participant.train.TrainingSettings;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.RoundEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs one simulation: partition the data into factories, train federated through the real
 * coordinator and participants, then train the centralized and local-only yardsticks with the
 * same model and budget, and score all of them on the same held-out rows.
 */
final class SimulationRunner {
  private static final Duration JOB_TIMEOUT = Duration.ofHours(2);
  /** The most factories the local-only yardstick trains one by one. */
  static final int LOCAL_ONLY_LIMIT = 100;

  private final SimulationConfig config;
  private final PrintStream out;

  SimulationRunner(SimulationConfig config, PrintStream out) {
    this.config = config;
    this.out = out;
  }

  SimulationResult run() throws Exception {
    long started = System.nanoTime();
    CsvTable table = loadDataset();
    List<Factory> factories = Partitioner.split(table, config.factories(), SimulationConfig.TYPE,
        SimulationConfig.PRODUCT_ID, SimulationConfig.HOLD_OUT, config.seed());
    for (Factory factory : factories) {
      out.printf(Locale.ROOT, "%s  %-22s train %5d rows, held out %4d%n", factory.name(),
          factory.description(), factory.train().rows(), factory.eval().rows());
    }
    String specJson = config.jobSpecJson();
    JobSpec spec = JobSpecParser.parse(specJson);
    ModelDefinition model = ModelDefinition.fromJson(spec.modelConfigurationJson());

    List<RoundRecord> rounds = new ArrayList<>();
    AdminClient.DownloadedModel global;
    long federationStarted = System.nanoTime();
    try (LoopbackFederation federation = LoopbackFederation.start(factories, config)) {
      // Submit only once every site is connected, so the cohorts (and results) follow the seed.
      federation.admin().awaitParticipants(factories.size(),
          Duration.ofSeconds(60).plusMillis(20L * factories.size()));
      String jobId = federation.admin().submit(specJson).getJobId();
      out.println("submitted job " + jobId + " to the coordinator over mutual TLS; "
          + factories.size() + " participants dialled in");
      if (federation.metricsPort() != 0) {
        out.println("coordinator metrics: curl http://127.0.0.1:" + federation.metricsPort() + "/metrics");
      }
      RoundProgress progress = new RoundProgress(out, rounds);
      RoundEvent end = federation.admin().watch(jobId, JOB_TIMEOUT, progress::accept);
      if (end == null || end.getEnded().getState() != JobState.JOB_STATE_SUCCEEDED) {
        throw new IllegalStateException("the federated job did not succeed: "
            + (end == null ? "no end event within " + JOB_TIMEOUT : EventFormat.line(end)));
      }
      global = federation.admin().downloadModel(jobId);
      awaitReceipts(rounds.stream().mapToInt(RoundRecord::participants).sum());
      long records = federation.auditor().downloadLedger(jobId, config.out().resolve("ledger.jsonl"));
      out.println("auditor copied the round log (" + records + " records) to "
          + config.out().resolve("ledger.jsonl"));
    }
    double federationSeconds = seconds(federationStarted);
    ModelFile.write(model, global.parameters(), config.out().resolve("global-model.zip"));

    Baselines baselines = new Baselines(model, model.initialParameters(), spec.schema(), factories);
    Normalization pooled = baselines.pooledNormalization();
    Score federated = baselines.score(global.parameters(), pooled);
    TrainingSettings budget = new TrainingSettings(config.epochBudget(), config.batchSize(),
        config.learningRate(), config.seed());
    long centralizedStarted = System.nanoTime();
    Score centralized =
        baselines.score(baselines.trainCentralized(budget, pooled), pooled);
    double centralizedSeconds = seconds(centralizedStarted);
    long localStarted = System.nanoTime();
    Map<String, Score> local = new LinkedHashMap<>();
    List<Factory> alone = localOnlySample(factories);
    if (alone.size() < factories.size()) {
      out.println("local-only yardstick: every " + factories.size() / alone.size() + "th factory, "
          + alone.size() + " of " + factories.size());
    }
    for (Factory factory : alone) {
      local.put(factory.name(), baselines.score(baselines.trainAlone(factory, budget),
          baselines.ownNormalization(factory)));
    }
    double localSeconds = seconds(localStarted);
    return new SimulationResult(config, factories, rounds, global.hash(), federated, centralized, local,
        federationSeconds, centralizedSeconds, localSeconds, seconds(started));
  }

  /**
   * The factories trained alone for the local-only yardstick: all of them up to {@link
   * #LOCAL_ONLY_LIMIT}, else that many spread evenly (a scale run of thousands of sites would spend
   * its time training thousands of one-site models).
   */
  static List<Factory> localOnlySample(List<Factory> factories) {
    if (factories.size() <= LOCAL_ONLY_LIMIT) {
      return factories;
    }
    int step = factories.size() / LOCAL_ONLY_LIMIT;
    List<Factory> sample = new ArrayList<>();
    for (int f = 0; f < factories.size() && sample.size() < LOCAL_ONLY_LIMIT; f += step) {
      sample.add(factories.get(f));
    }
    return sample;
  }

  /**
   * Waits (briefly) until the sites have stored every receipt of the job in their receipt logs:
   * the last round's receipts ride on the sites' next poll.
   */
  private void awaitReceipts(int expected) throws IOException, InterruptedException {
    java.nio.file.Path dir = config.out().resolve("receipts");
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      long kept = 0;
      if (java.nio.file.Files.isDirectory(dir)) {
        try (var files = java.nio.file.Files.list(dir)) {
          for (java.nio.file.Path file : files.toList()) {
            kept += java.nio.file.Files.readAllLines(file).size();
          }
        }
      }
      if (kept >= expected) {
        return;
      }
      Thread.sleep(50);
    }
    out.println("warning: not every receipt reached the sites' receipt logs within 10 s");
  }

  private CsvTable loadDataset() throws IOException {
    if (config.dataset() != null) {
      return CsvTable.read(config.dataset());
    }
    try (InputStream in = SimulationRunner.class.getResourceAsStream("/datasets/ai4i2020.csv")) {
      if (in == null) {
        throw new IOException("the bundled AI4I 2020 dataset is missing from the simulation jar");
      }
      return CsvTable.parse("ai4i2020.csv", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  /** Prints one line per round once its evaluation (or, without one, its commit) is in. */
  static final class RoundProgress {
    private final PrintStream out;
    private final List<RoundRecord> rounds;
    private RoundEvent committed;
    private long lastLine = System.nanoTime();

    RoundProgress(PrintStream out, List<RoundRecord> rounds) {
      this.out = out;
      this.rounds = rounds;
    }

    void accept(RoundEvent event) {
      switch (event.getEventCase()) {
        case COMMITTED -> committed = event;
        case EVALUATED -> {
          if (committed != null && committed.getRound() == event.getRound()) {
            record(event.getEvaluated().getRocAuc(), event.getEvaluated().getPrAuc(),
                event.getEvaluated().getMetricsOrDefault("roc_auc_error_bound", Double.NaN));
          }
        }
        case RETRIED, DROPPED, REJECTED, REFUSED -> out.println("  " + EventFormat.line(event));
        case ENDED -> {
          if (committed != null) {
            record(Double.NaN, Double.NaN, Double.NaN);
          }
        }
        default -> { }
      }
    }

    private void record(double rocAuc, double prAuc, double rocAucBound) {
      double seconds = (System.nanoTime() - lastLine) / 1e9;
      lastLine = System.nanoTime();
      RoundRecord round = new RoundRecord(committed.getRound(),
          committed.getCommitted().getParticipantsCount(), committed.getCommitted().getTrainLoss(),
          rocAuc, prAuc, rocAucBound, seconds);
      rounds.add(round);
      committed = null;
      out.printf(Locale.ROOT,
          "round %3d  participants %d  train loss %.4f  eval ROC-AUC %.4f  PR-AUC %.4f  %.1f s%n",
          round.round(), round.participants(), round.trainLoss(), round.rocAuc(), round.prAuc(),
          round.seconds());
    }
  }
}
