package io.factoryfl.simulation;

import io.factoryfl.core.job.ServerOptimizerSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * What to simulate: how many factories, how many rounds, the seed, where results go, and the
 * local training budget shared by the federated, centralized and local-only models.
 *
 * @param metricsPort where the in-process coordinator's /metrics is served on 127.0.0.1; 0: nowhere
 * @param processes each participant as its own process ({@code --processes}); null: threads of the simulator
 */
record SimulationConfig(
    int factories, int rounds, long seed, Path out, Path dataset, int localEpochs, int batchSize,
    double learningRate, List<Integer> hiddenLayers, int roundDeadlineSeconds, List<Fault> faults,
    boolean secureAggregation, java.util.Map<String, Path> policies, double serverMomentum,
    ServerOptimizerSpec serverOptimizer, double proximalMu, double positiveWeight, int metricsPort,
    ParticipantProcesses processes) {

  /** A simulation whose participants are threads of the simulator. */
  SimulationConfig(
      int factories, int rounds, long seed, Path out, Path dataset, int localEpochs, int batchSize,
      double learningRate, List<Integer> hiddenLayers, int roundDeadlineSeconds, List<Fault> faults,
      boolean secureAggregation, java.util.Map<String, Path> policies, double serverMomentum,
      ServerOptimizerSpec serverOptimizer, double proximalMu, double positiveWeight, int metricsPort) {
    this(factories, rounds, seed, out, dataset, localEpochs, batchSize, learningRate, hiddenLayers,
        roundDeadlineSeconds, faults, secureAggregation, policies, serverMomentum, serverOptimizer, proximalMu,
        positiveWeight, metricsPort, null);
  }

  /** This simulation with its participants run as {@code processes} (null: as threads). */
  SimulationConfig withProcesses(ParticipantProcesses processes) {
    return new SimulationConfig(factories, rounds, seed, out, dataset, localEpochs, batchSize, learningRate,
        hiddenLayers, roundDeadlineSeconds, faults, secureAggregation, policies, serverMomentum, serverOptimizer,
        proximalMu, positiveWeight, metricsPort, processes);
  }

  /** A simulation whose coordinator serves no metrics endpoint. */
  SimulationConfig(
      int factories, int rounds, long seed, Path out, Path dataset, int localEpochs, int batchSize,
      double learningRate, List<Integer> hiddenLayers, int roundDeadlineSeconds, List<Fault> faults,
      boolean secureAggregation, java.util.Map<String, Path> policies, double serverMomentum,
      ServerOptimizerSpec serverOptimizer, double proximalMu, double positiveWeight) {
    this(factories, rounds, seed, out, dataset, localEpochs, batchSize, learningRate, hiddenLayers,
        roundDeadlineSeconds, faults, secureAggregation, policies, serverMomentum, serverOptimizer, proximalMu,
        positiveWeight, 0);
  }

  /** A simulation without class weights (the positive class weighs 1). */
  SimulationConfig(
      int factories, int rounds, long seed, Path out, Path dataset, int localEpochs, int batchSize,
      double learningRate, List<Integer> hiddenLayers, int roundDeadlineSeconds, List<Fault> faults,
      boolean secureAggregation, java.util.Map<String, Path> policies, double serverMomentum,
      ServerOptimizerSpec serverOptimizer, double proximalMu) {
    this(factories, rounds, seed, out, dataset, localEpochs, batchSize, learningRate, hiddenLayers,
        roundDeadlineSeconds, faults, secureAggregation, policies, serverMomentum, serverOptimizer, proximalMu, 1);
  }

  SimulationConfig {
    hiddenLayers = List.copyOf(hiddenLayers);
    faults = List.copyOf(faults);
    policies = java.util.Map.copyOf(policies);
    if (processes != null) {
      ParticipantProcesses.checkFaults(faults);
    }
  }

  /** A simulation without a server optimiser (null) and without FedProx's proximal term. */
  SimulationConfig(
      int factories, int rounds, long seed, Path out, Path dataset, int localEpochs, int batchSize,
      double learningRate, List<Integer> hiddenLayers, int roundDeadlineSeconds, List<Fault> faults,
      boolean secureAggregation, java.util.Map<String, Path> policies, double serverMomentum) {
    this(factories, rounds, seed, out, dataset, localEpochs, batchSize, learningRate, hiddenLayers,
        roundDeadlineSeconds, faults, secureAggregation, policies, serverMomentum, null, 0);
  }

  /** The federated strategy in words, e.g. "FedAvg", "FedAvgM 0.5", "FedAdam 0.03 + FedProx 0.01". */
  String strategyName() {
    String server = serverOptimizer != null
        ? "Fed" + switch (serverOptimizer.algorithm()) {
          case ADAM -> "Adam";
          case YOGI -> "Yogi";
          case ADAGRAD -> "Adagrad";
        } + " " + serverOptimizer.learningRate()
        : serverMomentum > 0 ? "FedAvgM " + serverMomentum : "FedAvg";
    return proximalMu > 0 ? server + " + FedProx " + proximalMu : server;
  }

  /** The faults planned for one factory. */
  List<Fault> faultsOf(String factory) {
    return faults.stream().filter(f -> f.factory().equals(factory)).toList();
  }

  static final String DATASET_NAME = "ai4i";
  static final List<String> NUMERIC = List.of("Air temperature [K]", "Process temperature [K]",
      "Rotational speed [rpm]", "Torque [Nm]", "Tool wear [min]");
  static final String TYPE = "Type";
  static final List<String> TYPES = List.of("L", "M", "H");
  static final String LABEL = "Machine failure";
  static final String PRODUCT_ID = "Product ID";
  static final double HOLD_OUT = 0.2;

  /** Total passes over the data each model gets: rounds x local epochs. */
  int epochBudget() {
    return rounds * localEpochs;
  }

  /** The job spec the simulated ML engineer submits. */
  String jobSpecJson() {
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    var spec = mapper.createObjectNode();
    spec.put("name", "ai4i-machine-failure");
    var model = spec.putObject("model");
    model.put("template", "mlp");
    hiddenLayers.forEach(model.putArray("hidden_layers")::add);
    var dataset = spec.putObject("dataset");
    dataset.put("name", DATASET_NAME);
    NUMERIC.forEach(dataset.putArray("numeric_features")::add);
    var type = dataset.putArray("categorical_features").addObject();
    type.put("column", TYPE);
    TYPES.forEach(type.putArray("categories")::add);
    dataset.put("label", LABEL);
    dataset.putArray("label_classes").add("0").add("1");
    putRun(spec, Math.max(1, (int) Math.ceil(factories * 0.6)));
    putClassWeights(spec, "0", "1");
    return spec.toPrettyString();
  }

  /**
   * For a binary scenario, the positive class's loss weight ({@code --positive-weight}) as the
   * spec's {@code training.class_weights}; nothing when it is 1.
   */
  void putClassWeights(com.fasterxml.jackson.databind.node.ObjectNode spec, String negative, String positive) {
    if (positiveWeight != 1) {
      var weights = ((com.fasterxml.jackson.databind.node.ObjectNode) spec.get("training")).putObject("class_weights");
      weights.put(negative, 1.0);
      weights.put(positive, positiveWeight);
    }
  }

  /**
   * Writes what every scenario's job spec shares: rounds, the cohort bounds ({@code
   * minParticipants} to all the factories), local training, deadline, evaluation after every round,
   * seed, secure aggregation and the strategy choices ({@link #putStrategy}).
   */
  void putRun(com.fasterxml.jackson.databind.node.ObjectNode spec, int minParticipants) {
    spec.put("rounds", rounds);
    var participants = spec.putObject("participants");
    participants.put("min", minParticipants);
    participants.put("max", factories);
    var training = spec.putObject("training");
    training.put("local_epochs", localEpochs);
    training.put("batch_size", batchSize);
    training.put("learning_rate", learningRate);
    spec.put("round_deadline_seconds", roundDeadlineSeconds);
    spec.put("evaluate_every", 1);
    spec.put("seed", seed);
    spec.put("start_timeout_seconds", 60);
    spec.putObject("secure_aggregation").put("enabled", secureAggregation);
    putStrategy(spec, training);
  }

  /**
   * Writes the simulated engineer's strategy choices into a job spec: server momentum, the server
   * optimiser and FedProx's mu ({@code training} is the spec's training object). One place for
   * every scenario.
   */
  void putStrategy(com.fasterxml.jackson.databind.node.ObjectNode spec,
      com.fasterxml.jackson.databind.node.ObjectNode training) {
    if (proximalMu > 0) {
      training.put("proximal_mu", proximalMu);
    }
    if (serverOptimizer == null) {
      // always written, so 0 (plain FedAvg) is not taken for the spec's default (FedAvgM 0.5)
      spec.put("server_momentum", serverMomentum);
    } else {
      var optimizer = spec.putObject("server_optimizer");
      optimizer.put("name", serverOptimizer.algorithm().key());
      optimizer.put("learning_rate", serverOptimizer.learningRate());
      optimizer.put("beta1", serverOptimizer.beta1());
      if (serverOptimizer.algorithm().hasBeta2()) {
        optimizer.put("beta2", serverOptimizer.beta2());
      }
      optimizer.put("tau", serverOptimizer.tau());
    }
  }
}
