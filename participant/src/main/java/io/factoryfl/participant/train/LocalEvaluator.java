package io.factoryfl.participant.train;

import io.factoryfl.core.metrics.ScoreHistogram;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.participant.data.EncodedData;
import java.util.Objects;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Evaluates given parameters on a site's local data. Forward passes run over large chunks of
 * examples at once. Each call builds its own network, so concurrent calls do not interfere.
 */
public final class LocalEvaluator {

  /** Rows per forward pass: large enough to amortise per-call overhead, small enough for memory. */
  private static final int CHUNK_ROWS = 8192;

  /** DL4J's MCXENT clips softmax outputs at this value; the reported loss does the same. */
  private static final double PROBABILITY_FLOOR = 1e-10;

  private LocalEvaluator() {}

  /**
   * The predicted probability of the last class (the positive class of a binary task) for every
   * example, in example order.
   */
  public static double[] predictPositive(
      ModelDefinition model, float[] params, EncodedData data) {
    double[] positive = new double[data.size()];
    forEachPrediction(model, params, data, (index, probabilities) ->
        positive[index] = probabilities[probabilities.length - 1]);
    return positive;
  }

  /**
   * Loss, accuracy counts and a score histogram of {@code params} on {@code data}. An example is
   * positive for the histogram when its true class is the model's last class.
   */
  public static EvaluationOutcome evaluate(
      ModelDefinition model, float[] params, EncodedData data, int histogramBins) {
    ScoreHistogram histogram = new ScoreHistogram(histogramBins);
    int positiveClass = model.numOutputs() - 1;
    double[] lossSum = {0};
    long[] correct = {0};
    forEachPrediction(model, params, data, (index, probabilities) -> {
      int label = data.label(index);
      int predicted = 0;
      for (int c = 1; c < probabilities.length; c++) {
        if (probabilities[c] > probabilities[predicted]) {
          predicted = c;
        }
      }
      if (predicted == label) {
        correct[0]++;
      }
      lossSum[0] -= Math.log(Math.max(PROBABILITY_FLOOR, probabilities[label]));
      double score = Math.min(1.0, Math.max(0.0, probabilities[positiveClass]));
      histogram.add(score, label == positiveClass);
    });
    return new EvaluationOutcome(data.size(), lossSum[0], correct[0], histogram);
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
    for (int i = 0; i < data.size(); i++) {
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
