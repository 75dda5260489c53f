package io.factoryfl.simulation;

import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.admin.EventFormat;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.model.ModelFile;
import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.participant.train.TrainingSettings;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.RoundEvent;
import io.factoryfl.simulation.datasets.CmapssFd003;
import io.factoryfl.simulation.datasets.PlantSplit;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code cmapss-fd003} scenario: remaining-useful-life regression on the bundled NASA C-MAPSS
 * FD003 turbofan histories, federated over the four plants of {@code plants.csv}'s {@value
 * #SPLIT} split (engines by life quartile, so plants see different lives: non-IID). Each plant
 * trains on its own run-to-failure engines and holds out its share of the test engines, which are
 * cut off before failure; as is standard, a model is scored on each test engine's last cycle, with
 * RUL clipped at {@value #CLIP}. Each row becomes the window of its engine's last {@value #WINDOW}
 * cycles; the features are the 14 sensors usual in the literature (constant and quantised sensors
 * and the operating settings dropped). The federated model is compared with a centralized one and each plant alone, with the
 * same model, code and epoch budget, in RMSE, MAE and R².
 */
final class CmapssScenario {
  static final String NAME = CmapssFd003.NAME;
  static final String SPLIT = CmapssFd003.PLANT_LIFETIME;
  static final int WINDOW = 30;
  static final int CLIP = CmapssFd003.COMMON_RUL_CLIP;
  static final String DESCRIPTION = "NASA C-MAPSS FD003 (bundled): train engines by " + SPLIT
      + ", each plant's test engines held out; windows of " + WINDOW + " cycles";
  static final String EVALUATED_ON = "each test engine's last cycle, RUL clipped at " + CLIP;

  /** The scenario's training defaults (each can be overridden on the command line). */
  static final int ROUNDS = 8;
  static final int LOCAL_EPOCHS = 1;
  static final int BATCH_SIZE = 64;
  static final double LEARNING_RATE = 0.002;
  /** cnn1d filters, kernel and the dense layer after them. */
  static final List<Integer> FILTERS = List.of(16, 16);
  static final int KERNEL = 5;
  static final List<Integer> HIDDEN = List.of(64);

  private static final Duration JOB_TIMEOUT = Duration.ofHours(2);

  private final SimulationConfig config;
  private final PrintStream out;

  CmapssScenario(SimulationConfig config, PrintStream out) {
    this.config = config;
    this.out = out;
  }

  /**
   * Sensors that barely vary in FD003 (sensor_6 takes 17 values, sensor_10 four): a plant whose
   * engines show one value standardises the others' by a tiny spread. The literature drops them.
   */
  static final List<String> QUANTISED = List.of("sensor_6", "sensor_10");

  /**
   * The sensors a model reads: the 14 that vary, as usual in the literature (the informative
   * columns without the operating settings and {@link #QUANTISED}).
   */
  static List<String> features() {
    return CmapssFd003.informativeFeatures().stream().filter(c -> c.startsWith("sensor_"))
        .filter(c -> !QUANTISED.contains(c)).toList();
  }

  /** The plants: each one's training engines and its held-out test engines. */
  static List<Factory> plants(CmapssFd003 data) {
    PlantSplit train = data.plants(SPLIT, CmapssFd003.Part.TRAIN);
    PlantSplit test = data.plants(SPLIT, CmapssFd003.Part.TEST);
    Map<String, CsvTable> trainParts = train.partition(data.table(CmapssFd003.Part.TRAIN));
    Map<String, CsvTable> testParts = test.partition(data.table(CmapssFd003.Part.TEST));
    List<Factory> plants = new ArrayList<>();
    for (Map.Entry<String, CsvTable> part : trainParts.entrySet()) {
      CsvTable held = testParts.get(part.getKey());
      plants.add(new Factory(part.getKey().replace('_', '-'), engines(part.getValue()) + " train engines, "
          + engines(held) + " test engines", part.getValue(), held));
    }
    return plants;
  }

  private static long engines(CsvTable table) {
    java.util.Set<String> units = new java.util.HashSet<>();
    for (int row = 0; row < table.rows(); row++) {
      units.add(table.value(row, CmapssFd003.UNIT));
    }
    return units.size();
  }

  /** The job spec the simulated ML engineer submits. */
  String jobSpecJson() {
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    var spec = mapper.createObjectNode();
    spec.put("name", "cmapss-fd003-rul");
    spec.put("task", "regression");
    var model = spec.putObject("model");
    model.put("template", "cnn1d");
    FILTERS.forEach(model.putArray("filters")::add);
    model.put("kernel", KERNEL);
    HIDDEN.forEach(model.putArray("hidden_layers")::add);
    var dataset = spec.putObject("dataset");
    dataset.put("name", NAME);
    features().forEach(dataset.putArray("numeric_features")::add);
    dataset.put("label", CmapssFd003.LABEL);
    dataset.putObject("label_clip").put("max", CLIP);
    dataset.putObject("sequence").put("group", CmapssFd003.UNIT).put("order", CmapssFd003.CYCLE)
        .put("window", WINDOW).put("eval_rows", "last");
    config.putRun(spec, 3);
    return spec.toPrettyString();
  }

  SimulationResult run() throws Exception {
    long started = System.nanoTime();
    List<Factory> plants = plants(CmapssFd003.load());
    for (Factory plant : plants) {
      out.printf(Locale.ROOT, "%s  %-36s train %5d rows, held out %5d rows%n", plant.name(), plant.description(),
          plant.train().rows(), plant.eval().rows());
    }
    String specJson = jobSpecJson();
    JobSpec spec = JobSpecParser.parse(specJson);
    ModelDefinition model = ModelDefinition.fromJson(spec.modelConfigurationJson());
    out.println("model: cnn1d filters " + FILTERS + ", kernel " + KERNEL + ", dense " + HIDDEN + " over windows of "
        + WINDOW + " cycles x " + features().size() + " sensors (" + model.numParameters() + " parameters)");

    List<RoundRecord> rounds = new ArrayList<>();
    AdminClient.DownloadedModel global;
    long federationStarted = System.nanoTime();
    try (LoopbackFederation federation = LoopbackFederation.start(plants, config, NAME)) {
      federation.admin().awaitParticipants(plants.size(), Duration.ofSeconds(60));
      String jobId = federation.admin().submit(specJson).getJobId();
      out.println("submitted job " + jobId + " to the coordinator over mutual TLS; " + plants.size()
          + " plants dialled in");
      MetricProgress progress = new MetricProgress(out, rounds,
          round -> String.format(Locale.ROOT, "eval RMSE %.2f  MAE %.2f  R2 %.3f", round.metric("rmse"),
          round.metric("mae"), round.metric("r2")));
      RoundEvent end = federation.admin().watch(jobId, JOB_TIMEOUT, progress::accept);
      if (end == null || end.getEnded().getState() != JobState.JOB_STATE_SUCCEEDED) {
        throw new IllegalStateException("the federated job did not succeed: "
            + (end == null ? "no end event within " + JOB_TIMEOUT : EventFormat.line(end)));
      }
      global = federation.admin().downloadModel(jobId);
    }
    double federationSeconds = seconds(federationStarted);
    ModelFile.write(model, global.parameters(), config.out().resolve("global-model.zip"));

    RegressionBaselines baselines = new RegressionBaselines(spec, model, plants);
    RegressionBaselines.Scaling pooled = baselines.pooledScaling();
    Score federated = baselines.score(global.parameters(), pooled);
    TrainingSettings budget = new TrainingSettings(config.epochBudget(), config.batchSize(), config.learningRate(),
        config.seed());
    long centralizedStarted = System.nanoTime();
    Score centralized = baselines.score(baselines.trainCentralized(budget, pooled), pooled);
    double centralizedSeconds = seconds(centralizedStarted);
    out.printf(Locale.ROOT, "centralized: RMSE %.2f (%.0f s)%n", centralized.get("rmse"), centralizedSeconds);
    long localStarted = System.nanoTime();
    Map<String, Score> local = new LinkedHashMap<>();
    for (Factory plant : plants) {
      local.put(plant.name(), baselines.score(baselines.trainAlone(plant, budget), baselines.ownScaling(plant)));
    }
    double localSeconds = seconds(localStarted);
    return new SimulationResult(config, plants, rounds, global.hash(), federated, centralized, local,
        federationSeconds, centralizedSeconds, localSeconds, seconds(started), NAME);
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
