package io.factoryfl.core.job;

import io.factoryfl.core.data.FeatureSchema;
import java.time.Duration;

/**
 * A validated federated training job, as submitted by an ML engineer. Build one with {@link
 * JobSpecParser}, which checks every field; the record itself only holds values.
 *
 * @param name human-readable job name
 * @param model the model to train
 * @param datasetName the catalogue name each site resolves to its own local file
 * @param schema feature and label columns
 * @param rounds number of training rounds to commit
 * @param minParticipants a round commits only with at least this many accepted updates
 * @param maxParticipants upper bound on a round's cohort
 * @param fractionPerRound share of the available participants sampled per round
 * @param localEpochs passes over local data per round
 * @param batchSize local mini-batch size
 * @param learningRate local optimiser learning rate
 * @param roundDeadline how long a round waits for updates before closing without stragglers
 * @param evaluateEvery run a federated evaluation after every k-th round (0 = never)
 * @param seed seeds cohort sampling, model initialisation and local shuffling
 * @param maxRoundAttempts attempts per round before the job fails
 * @param startTimeout how long the job waits for the minimum number of participants
 * @param secureAggregation whether and how rounds use secure aggregation
 * @param serverMomentum FedAvgM momentum on the server in [0, 1); 0 is plain FedAvg
 * @param maxExamplesPerSite the most examples one site's update is weighted with, in plain and
 *     secure rounds alike ({@code max_examples_per_site}): a site reporting more counts as this many,
 *     so no site can buy a larger say in the model by claiming a huge example count
 * @param robustAggregation the defence against poisoned updates ({@code robust_aggregation}):
 *     L2 clipping of update deltas and the combining rule (FedAvg, median, trimmed mean, multi-Krum)
 * @param task what the job learns from its label: binary, multi-class or regression ({@code task})
 * @param selection which evaluated round's model is the job's result ({@code select}); empty: the
 *     last committed round's
 * @param proximalMu FedProx's mu ({@code training.proximal_mu}), 0 for none: each site pulls its
 *     weights towards the round's global model after every local step
 * @param serverOptimizer the adaptive server optimiser ({@code server_optimizer}: FedAdam, FedYogi,
 *     FedAdagrad) applied to each round's aggregate, or null for none; never with serverMomentum
 * @param sequence how rows become windows of their group's last rows ({@code dataset.sequence});
 *     empty: every row is an example of its own
 * @param images the images each example is ({@code dataset.images}); empty for a tabular job
 * @param optimizer how a site trains a template model ({@code training.optimizer}): Adam or plain SGD
 */
public record JobSpec(
    String name,
    ModelSpec model,
    String datasetName,
    FeatureSchema schema,
    int rounds,
    int minParticipants,
    int maxParticipants,
    double fractionPerRound,
    int localEpochs,
    int batchSize,
    double learningRate,
    Duration roundDeadline,
    int evaluateEvery,
    long seed,
    int maxRoundAttempts,
    Duration startTimeout,
    SecureAggregationSpec secureAggregation,
    double serverMomentum,
    long maxExamplesPerSite,
    RobustAggregationSpec robustAggregation,
    TaskSpec task,
    java.util.Optional<SelectionSpec> selection,
    double proximalMu,
    ServerOptimizerSpec serverOptimizer,
    java.util.Optional<io.factoryfl.core.data.SequenceSpec> sequence,
    java.util.Optional<io.factoryfl.core.data.ImageSpec> images,
    LocalOptimizer optimizer) {
  /**
   * The server momentum of a spec that names none (and no server_optimizer): FedAvgM 0.5, chosen
   * by measuring FedAvg, FedAvgM, FedAdam, FedYogi, FedAdagrad and FedProx on the bundled AI4I,
   * C-MAPSS FD003 and SECOM scenarios (docs/results.md). {@code "server_momentum": 0} is plain FedAvg.
   */
  public static final double DEFAULT_SERVER_MOMENTUM = 0.5;


  public JobSpec {
    java.util.Objects.requireNonNull(task, "task");
    java.util.Objects.requireNonNull(selection, "selection");
    java.util.Objects.requireNonNull(sequence, "sequence");
    java.util.Objects.requireNonNull(images, "images");
    java.util.Objects.requireNonNull(optimizer, "optimizer");
    if (images.isPresent() && sequence.isPresent()) {
      throw new IllegalArgumentException("an image job has no sensor sequence");
    }
    if (maxExamplesPerSite < 1) {
      throw new IllegalArgumentException("maxExamplesPerSite must be at least 1, was " + maxExamplesPerSite);
    }
    if (!(proximalMu >= 0 && Double.isFinite(proximalMu))) {
      throw new IllegalArgumentException("proximalMu must be finite and >= 0, was " + proximalMu);
    }
    if (serverOptimizer != null && serverMomentum > 0) {
      throw new IllegalArgumentException("a server optimiser and server momentum exclude each other");
    }
  }

  /** A site's FedAvg weight: its example count, capped at {@link #maxExamplesPerSite}. */
  public long cappedWeight(long numExamples) {
    return Math.min(numExamples, maxExamplesPerSite);
  }

  /** The width of an encoded example: a row's features, a flattened window of rows, or an image. */
  public int numInputs() {
    if (images.isPresent()) {
      return images.get().pixels();
    }
    return sequence.map(s -> s.inputs(schema.numInputs())).orElse(schema.numInputs());
  }

  /** The DL4J configuration JSON of the job's model, training with the job's {@link #optimizer}. */
  public String modelConfigurationJson() {
    return optimizer.applyTo(model.resolve(schema, sequence, images, task.family(schema, 1), learningRate, seed),
        learningRate);
  }
}
