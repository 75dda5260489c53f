package io.factoryfl.participant.train;

import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.participant.data.EncodedData;
import java.util.Objects;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Trains a model on a site's local data, starting from given parameters: plain minibatch training
 * with the model's updater (Adam from {@code MlpTemplate}) at the settings' learning rate.
 *
 * <p>FedProx (Li et al. 2020) with {@link TrainingSettings#proximalMu()} = mu &gt; 0: the site
 * minimises {@code F(w) + mu/2 * |w - w_global|^2}, where {@code w_global} is the round's start
 * model. The proximal term's gradient is {@code mu * (w - w_global)}; instead of adding it to the
 * loss gradient, where Adam would divide it by the running root-mean-square of the loss gradient
 * (so its strength would depend on how noisy each coordinate's loss gradient is, and it would act
 * almost like a sign), it is applied as a separate step after each minibatch's Adam step:
 * {@code w <- w - lr * mu * (w - w_global)}, that is {@code lr * mu} of the way back to the
 * global model. This is the decoupled form that AdamW uses for weight decay (Loshchilov and Hutter
 * 2019), here decaying towards {@code w_global} instead of 0; with plain SGD it would be
 * FedProx's step up to evaluating the pull after the loss step instead of before (a first-order
 * operator splitting). Adam's moments see only the loss gradient. The reported training loss is the
 * data loss {@code F}, without the proximal term. With mu = 0 nothing of this runs: the
 * parameters are bit-for-bit those of plain training.
 *
 * <p>Deterministic: the examples are reshuffled every epoch by a {@link SplittableRandom} seeded
 * with {@link TrainingSettings#seed()}, and the updater state starts fresh, so equal inputs give
 * bit-identical parameters. Each call builds its own network, so calls from several threads at
 * once do not interfere.
 */
public final class LocalTrainer {

  private LocalTrainer() {}

  /**
   * Trains for {@code settings.epochs()} epochs and returns the resulting parameters.
   *
   * @throws IllegalArgumentException if there are no examples, the feature width does not match
   *     the model's inputs, a label is not a model class, or the parameter vector has the wrong
   *     length
   */
  public static TrainingOutcome train(
      ModelDefinition model, float[] startParameters, EncodedData data, TrainingSettings settings) {
    Objects.requireNonNull(model, "model must not be null");
    Objects.requireNonNull(startParameters, "startParameters must not be null");
    Objects.requireNonNull(data, "data must not be null");
    Objects.requireNonNull(settings, "settings must not be null");
    if (data.size() == 0) {
      throw new IllegalArgumentException("no local examples to train on");
    }
    if (data.numFeatures() != model.numInputs()) {
      throw new IllegalArgumentException(
          "encoded data has " + data.numFeatures() + " features per example but the model expects "
              + model.numInputs() + " inputs; check that the dataset schema matches the model");
    }
    MultiLayerNetwork network = model.newNetwork(startParameters);
    network.setLearningRate(settings.learningRate());
    // Converted once; each epoch gathers a shuffled copy and steps through contiguous views of it.
    INDArray features = data.featureMatrix();
    INDArray labels = data.labelMatrix(model.numOutputs());
    ProximalPull pull = settings.proximalMu() > 0
        ? new ProximalPull(network.params(), startParameters, settings.learningRate() * settings.proximalMu())
        : null;

    int n = data.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(settings.seed());
    double epochLoss = Double.NaN;
    for (int epoch = 0; epoch < settings.epochs(); epoch++) {
      shuffle(order, random);
      INDArray epochFeatures = Nd4j.pullRows(features, 1, order);
      INDArray epochLabels = Nd4j.pullRows(labels, 1, order);
      double lossSum = 0;
      for (int start = 0; start < n; start += settings.batchSize()) {
        int end = Math.min(n, start + settings.batchSize());
        network.fit(
            epochFeatures.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()),
            epochLabels.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()));
        // score() is the minibatch's mean loss from the forward pass of this step
        lossSum += network.score() * (end - start);
        if (pull != null) {
          pull.apply();
        }
      }
      epochLoss = lossSum / n;
    }
    return new TrainingOutcome(network.params().toFloatVector(), n, epochLoss);
  }

  /**
   * Trains on minibatches streamed from {@code batches} (an image split, {@code ImageBatches}):
   * {@code settings.epochs()} passes, {@link DataSetIterator#reset()} before each pass after the
   * first. The iterator decides the batch size, the order and any augmentation (a training {@code
   * ImageBatches} draws them from {@code settings.seed()}); the next batch is read on a second
   * thread while the current one trains ({@link BatchPrefetcher}); the rest is as {@link
   * #train(ModelDefinition, float[], EncodedData, TrainingSettings)}, FedProx included.
   *
   * @throws IllegalArgumentException if the iterator is empty or its inputs or outcomes do not
   *     match the model's
   */
  public static TrainingOutcome train(
      ModelDefinition model, float[] startParameters, DataSetIterator batches, TrainingSettings settings) {
    Objects.requireNonNull(model, "model must not be null");
    Objects.requireNonNull(startParameters, "startParameters must not be null");
    Objects.requireNonNull(batches, "batches must not be null");
    Objects.requireNonNull(settings, "settings must not be null");
    if (batches.inputColumns() != model.numInputs() || batches.totalOutcomes() != model.numOutputs()) {
      throw new IllegalArgumentException("the examples have " + batches.inputColumns() + " inputs and "
          + batches.totalOutcomes() + " classes but the model expects " + model.numInputs() + " inputs and "
          + model.numOutputs() + " outputs; check that the dataset's images match the model");
    }
    MultiLayerNetwork network = model.newNetwork(startParameters);
    network.setLearningRate(settings.learningRate());
    ProximalPull pull = settings.proximalMu() > 0
        ? new ProximalPull(network.params(), startParameters, settings.learningRate() * settings.proximalMu())
        : null;
    long examples = 0;
    double epochLoss = Double.NaN;
    try (BatchPrefetcher prefetcher = new BatchPrefetcher(batches)) {
      for (int epoch = 0; epoch < settings.epochs(); epoch++) {
        prefetcher.startPass(epoch > 0);
        double lossSum = 0;
        examples = 0;
        while (prefetcher.hasNext()) {
          DataSet batch = prefetcher.next();
          int size = batch.numExamples();
          network.fit(batch);
          lossSum += network.score() * size;
          examples += size;
          if (pull != null) {
            pull.apply();
          }
        }
        if (examples == 0) {
          throw new IllegalArgumentException("no local examples to train on");
        }
        epochLoss = lossSum / examples;
      }
    }
    return new TrainingOutcome(network.params().toFloatVector(), examples, epochLoss);
  }

  /**
   * FedProx's decoupled proximal step, {@code w <- w - rate * (w - w_global)}, in place on the
   * network's flattened parameter view, with {@code rate = lr * mu} in (0, 1].
   */
  private static final class ProximalPull {
    private final INDArray parameters;
    private final INDArray global;
    private final double rate;

    ProximalPull(INDArray parameters, float[] global, double rate) {
      this.parameters = parameters;
      this.global = Nd4j.createFromArray(global).reshape(parameters.shape()).castTo(parameters.dataType());
      this.rate = rate;
    }

    void apply() {
      parameters.subi(parameters.sub(global).muli(rate));
    }
  }

  /** Fisher-Yates shuffle. */
  private static void shuffle(int[] values, SplittableRandom random) {
    for (int i = values.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = values[i];
      values[i] = values[j];
      values[j] = swap;
    }
  }
}
