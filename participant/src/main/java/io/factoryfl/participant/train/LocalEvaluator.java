package io.factoryfl.participant.train;

import io.factoryfl.core.metrics.ScoreHistogram;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.task.EvaluationSums;
import io.factoryfl.core.task.TaskFamily;
import io.factoryfl.participant.data.EncodedData;
import java.util.Objects;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Evaluates given parameters on a site's local data, as the job's task family scores them. Forward passes run over large chunks of
 * examples at once. Each call builds its own network, so concurrent calls do not interfere.
 */
public final class LocalEvaluator {

  /** Rows per forward pass: large enough to amortise per-call overhead, small enough for memory. */
  private static final int CHUNK_ROWS = 8192;

  private LocalEvaluator() {}

  /**
   * The predicted log-odds of the last class (the positive class of a binary task) for every
   * example, in example order ({@link ScoreHistogram#logOdds}: ranks confident predictions apart
   * where float probabilities would tie at 0 or 1).
   */
  public static double[] positiveLogOdds(ModelDefinition model, float[] params, EncodedData data) {
    double[] positive = new double[data.size()];
    forEachPrediction(model, params, data, (index, probabilities) ->
        positive[index] = ScoreHistogram.logOdds(probabilities, probabilities.length - 1));
    return positive;
  }

  /** The model's output for every example, in example order: class probabilities, or one value. */
  public static float[][] outputs(ModelDefinition model, float[] params, EncodedData data) {
    float[][] outputs = new float[data.size()][];
    forEachPrediction(model, params, data, (index, output) -> outputs[index] = output.clone());
    return outputs;
  }

  /**
   * Scores {@code params} on {@code data} as {@code task} scores ({@link TaskFamily.Scoring}):
   * additive sums from which the task's metrics over any union of sites follow exactly.
   */
  public static EvaluationSums evaluate(ModelDefinition model, float[] params, EncodedData data, TaskFamily task) {
    Objects.requireNonNull(task, "task must not be null");
    if (task.outputs() != model.numOutputs()) {
      throw new IllegalArgumentException("the model has " + model.numOutputs() + " outputs but the "
          + task.kind().key() + " task needs " + task.outputs());
    }
    TaskFamily.Scoring scoring = task.newScoring(data.scale());
    forEachPrediction(model, params, data, (index, outputs) -> scoring.add(outputs, data.target(index)));
    return scoring.sums();
  }

  /**
   * Scores {@code params} on minibatches streamed from {@code batches} (an image split in listing
   * order), as {@link #evaluate(ModelDefinition, float[], EncodedData, TaskFamily)} scores rows:
   * each example's label is the class of its one-hot label row.
   */
  public static EvaluationSums evaluate(ModelDefinition model, float[] params, DataSetIterator batches,
      TaskFamily task) {
    Objects.requireNonNull(task, "task must not be null");
    if (task.outputs() != model.numOutputs() || batches.totalOutcomes() != model.numOutputs()
        || batches.inputColumns() != model.numInputs()) {
      throw new IllegalArgumentException("the examples have " + batches.inputColumns() + " inputs and "
          + batches.totalOutcomes() + " classes, the " + task.kind().key() + " task " + task.outputs()
          + " outputs, but the model has " + model.numInputs() + " inputs and " + model.numOutputs() + " outputs");
    }
    TaskFamily.Scoring scoring = task.newScoring(io.factoryfl.core.task.LabelScale.IDENTITY);
    MultiLayerNetwork network = model.newNetwork(params);
    int classes = model.numOutputs();
    float[] probabilities = new float[classes];
    while (batches.hasNext()) {
      org.nd4j.linalg.dataset.DataSet batch = batches.next();
      float[] output = network.output(batch.getFeatures(), false).dup('c').data().asFloat();
      float[] labels = batch.getLabels().dup('c').data().asFloat();
      for (int row = 0; row < batch.numExamples(); row++) {
        System.arraycopy(output, row * classes, probabilities, 0, classes);
        int label = 0;
        for (int c = 1; c < classes; c++) {
          if (labels[row * classes + c] > labels[row * classes + label]) {
            label = c;
          }
        }
        scoring.add(probabilities, label);
      }
    }
    return scoring.sums();
  }

  private interface PredictionConsumer {
    /** {@code probabilities} is reused for the next example; do not keep it. */
    void accept(int index, float[] probabilities);
  }

  private static void forEachPrediction(
      ModelDefinition model, float[] params, EncodedData data, PredictionConsumer consumer) {
    Objects.requireNonNull(model, "model must not be null");
    Objects.requireNonNull(params, "params must not be null");
    Objects.requireNonNull(data, "data must not be null");
    if (data.size() == 0) {
      return;
    }
    if (data.numFeatures() != model.numInputs()) {
      throw new IllegalArgumentException(
          "encoded data has " + data.numFeatures() + " features per example but the model expects "
              + model.numInputs() + " inputs; check that the dataset schema matches the model");
    }
    for (int i = 0; data.isClassification() && i < data.size(); i++) {
      if (data.label(i) >= model.numOutputs()) {
        throw new IllegalArgumentException(
            "label of example " + i + " is class " + data.label(i) + " but the model has only "
                + model.numOutputs() + " classes");
      }
    }
    MultiLayerNetwork network = model.newNetwork(params);
    INDArray features = data.featureMatrix();
    int n = data.size();
    for (int start = 0; start < n; start += CHUNK_ROWS) {
      int end = Math.min(n, start + CHUNK_ROWS);
      INDArray output = network.output(
          features.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()), false);
      // One bulk copy: INDArray.toFloatMatrix() makes a native call per row and dominated the cost.
      float[] flat = output.dup('c').data().asFloat();
      int classes = model.numOutputs();
      float[] probabilities = new float[classes];
      for (int row = 0; row < end - start; row++) {
        System.arraycopy(flat, row * classes, probabilities, 0, classes);
        consumer.accept(start + row, probabilities);
      }
    }
  }
}
