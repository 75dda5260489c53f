package io.factoryfl.simulation;

import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.admin.EventFormat;
import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.core.data.FeatureStats;
import io.factoryfl.core.data.MissingValues;
import io.factoryfl.core.data.Normalization;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.model.ModelFile;
import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.participant.data.TabularEncoder;
import io.factoryfl.participant.train.TrainingSettings;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.RoundEvent;
import io.factoryfl.simulation.datasets.Secom;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code secom} scenario: pass/fail prediction on the bundled UCI SECOM semiconductor data,
 * federated over the four production periods of {@code plants.csv}'s {@value #SPLIT} split (fail
 * rates 13.5%, 3.6%, 3.3%, 6.1%: non-IID), each plant holding out its last {@value #HOLD_OUT_PERCENT}%
 * of rows in time. SECOM has 41,951 missing cells ({@code NaN}); the job imputes them with the
 * federation's mean ({@code "missing_values": "impute_mean"}), computed in round 0 over the present
 * values only. The features are the sensors that are present in every plant's training rows and
 * not constant over all of them (the simulated engineer's selection; 116 SECOM sensors never vary).
 * The federated model is compared with a centralized one and each plant alone, with the same model,
 * code and epoch budget, in ROC-AUC and PR-AUC on the union of the held-out rows.
 */
final class SecomScenario {
  static final String NAME = Secom.NAME;
  static final String SPLIT = Secom.PLANT_TIME_BLOCK;
  static final int HOLD_OUT_PERCENT = 20;
  static final String DESCRIPTION = "UCI SECOM (bundled): 4 plants by " + SPLIT + ", last " + HOLD_OUT_PERCENT
      + "% of each plant's rows held out; missing values imputed with the federated mean";
  static final String EVALUATED_ON = "the last " + HOLD_OUT_PERCENT + "% of each plant's rows";

  /** The scenario's training defaults (each can be overridden on the command line). */
  static final int ROUNDS = 20;
  static final int LOCAL_EPOCHS = 2;
  static final int BATCH_SIZE = 32;
  static final double LEARNING_RATE = 0.001;
  static final List<Integer> HIDDEN = List.of(64, 32);

  private static final Duration JOB_TIMEOUT = Duration.ofHours(1);

  private final SimulationConfig config;
  private final PrintStream out;

  SecomScenario(SimulationConfig config, PrintStream out) {
    this.config = config;
    this.out = out;
  }

  /** Each plant's rows in time order: the first rows train, the last {@value #HOLD_OUT_PERCENT}% are held out. */
  static List<Factory> plants(Secom data) {
    List<Factory> plants = new ArrayList<>();
    for (Map.Entry<String, CsvTable> part : data.plants(SPLIT).partition(data.table()).entrySet()) {
      CsvTable rows = part.getValue();
      int train = rows.rows() - rows.rows() * HOLD_OUT_PERCENT / 100;
      plants.add(new Factory(part.getKey().replace('_', '-'), "production period " + part.getKey()
          + ", " + train + " earlier rows train, " + (rows.rows() - train) + " later held out",
          rows.select(java.util.stream.IntStream.range(0, train).toArray()),
          rows.select(java.util.stream.IntStream.range(train, rows.rows()).toArray())));
    }
    return plants;
  }

  /**
   * The sensors the model reads: present in every plant's training rows and not constant over all
   * of them (a sensor missing at a whole plant cannot be standardised for that plant alone).
   */
  static List<String> features(List<Factory> plants) {
    List<String> all = Secom.featureColumns();
    FeatureSchema probe = schema(all);
    FeatureStats total = FeatureStats.empty(all.size());
    double[] leastPresent = new double[all.size()];
    java.util.Arrays.fill(leastPresent, Double.MAX_VALUE);
    for (Factory plant : plants) {
      FeatureStats stats = TabularEncoder.stats(plant.train(), probe);
      double[] present = stats.present();
      for (int f = 0; f < present.length; f++) {
        leastPresent[f] = Math.min(leastPresent[f], present[f]);
      }
      total = total.merge(stats);
    }
    List<String> kept = new ArrayList<>();
    double[] sum = total.sum();
    double[] squares = total.sumOfSquares();
    double[] present = total.present();
    for (int f = 0; f < all.size(); f++) {
      if (leastPresent[f] < 1) {
        continue;
      }
      double mean = sum[f] / present[f];
      double variance = squares[f] / present[f] - mean * mean;
      if (variance > 1e-12 * Math.max(1, squares[f] / present[f])) {
        kept.add(all.get(f));
      }
    }
    return kept;
  }

  private static FeatureSchema schema(List<String> features) {
    return new FeatureSchema(features, List.of(), Secom.LABEL, Secom.LABEL_CLASSES, MissingValues.IMPUTE_MEAN);
  }

  /** The job spec the simulated ML engineer submits. */
  String jobSpecJson(List<String> features) {
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    var spec = mapper.createObjectNode();
    spec.put("name", "secom-pass-fail");
    spec.put("task", "binary");
    var model = spec.putObject("model");
    model.put("template", "mlp");
    config.hiddenLayers().forEach(model.putArray("hidden_layers")::add);
    var dataset = spec.putObject("dataset");
    dataset.put("name", SimulationConfig.DATASET_NAME);
    features.forEach(dataset.putArray("numeric_features")::add);
    dataset.put("label", Secom.LABEL);
    Secom.LABEL_CLASSES.forEach(dataset.putArray("label_classes")::add);
    dataset.put("missing_values", MissingValues.IMPUTE_MEAN.key());
    config.putRun(spec, 3);
    config.putClassWeights(spec, Secom.PASS, Secom.FAIL);
    return spec.toPrettyString();
  }

  SimulationResult run() throws Exception {
    long started = System.nanoTime();
    List<Factory> plants = plants(Secom.load());
    List<String> features = features(plants);
    for (Factory plant : plants) {
      out.printf(Locale.ROOT, "%s  %-60s%n", plant.name(), plant.description());
    }
    String specJson = jobSpecJson(features);
    JobSpec spec = JobSpecParser.parse(specJson);
    ModelDefinition model = ModelDefinition.fromJson(spec.modelConfigurationJson());
    out.println("model: mlp " + config.hiddenLayers() + " over " + features.size() + " of SECOM's " + Secom.FEATURES
        + " sensors (" + model.numParameters() + " parameters); missing cells imputed with the federated mean");

    List<RoundRecord> rounds = new ArrayList<>();
    AdminClient.DownloadedModel global;
    long federationStarted = System.nanoTime();
    try (LoopbackFederation federation = LoopbackFederation.start(plants, config)) {
      federation.admin().awaitParticipants(plants.size(), Duration.ofSeconds(60));
      String jobId = federation.admin().submit(specJson).getJobId();
      out.println("submitted job " + jobId + " to the coordinator over mutual TLS; " + plants.size()
          + " plants dialled in");
      SimulationRunner.RoundProgress progress = new SimulationRunner.RoundProgress(out, rounds);
      RoundEvent end = federation.admin().watch(jobId, JOB_TIMEOUT, progress::accept);
      if (end == null || end.getEnded().getState() != JobState.JOB_STATE_SUCCEEDED) {
        throw new IllegalStateException("the federated job did not succeed: "
            + (end == null ? "no end event within " + JOB_TIMEOUT : EventFormat.line(end)));
      }
      global = federation.admin().downloadModel(jobId);
    }
    double federationSeconds = seconds(federationStarted);
    ModelFile.write(model, global.parameters(), config.out().resolve("global-model.zip"));

    Baselines baselines = new Baselines(model, model.initialParameters(), spec.schema(), plants);
    Normalization pooled = baselines.pooledNormalization();
    Score federated = baselines.score(global.parameters(), pooled);
    TrainingSettings budget = new TrainingSettings(config.epochBudget(), config.batchSize(), config.learningRate(),
        config.seed());
    long centralizedStarted = System.nanoTime();
    Score centralized = baselines.score(baselines.trainCentralized(budget, pooled), pooled);
    double centralizedSeconds = seconds(centralizedStarted);
    long localStarted = System.nanoTime();
    Map<String, Score> local = new LinkedHashMap<>();
    for (Factory plant : plants) {
      local.put(plant.name(), baselines.score(baselines.trainAlone(plant, budget), baselines.ownNormalization(plant)));
    }
    double localSeconds = seconds(localStarted);
    return new SimulationResult(config, plants, rounds, global.hash(), federated, centralized, local,
        federationSeconds, centralizedSeconds, localSeconds, seconds(started), NAME);
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
