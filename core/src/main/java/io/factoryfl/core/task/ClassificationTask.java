package io.factoryfl.core.task;

import io.factoryfl.core.metrics.ScoreHistogram;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Binary and multi-class classification: a softmax over the label classes with (optionally
 * class-weighted) cross-entropy.
 *
 * <p>Evaluation counts, per site: the confusion matrix ({@code K x K}, true class by predicted
 * class, the prediction being the most probable class, the lower index on a tie), then score
 * histograms in log-odds ({@link ScoreHistogram}, {@code bins} bins): for a binary task one pair
 * (positives, negatives) for the positive (last) class; for {@code K > 2} one pair per class,
 * one-vs-rest. Metrics: loss, accuracy; binary: ROC-AUC with its error bound, PR-AUC, precision,
 * recall and F1 of the positive class; multi-class: balanced accuracy, macro-F1, macro one-vs-rest
 * ROC-AUC, and precision, recall, F1 and one-vs-rest ROC-AUC per class, named {@code
 * recall[CLASS]} and so on.
 *
 * @param classes the label classes in output order
 * @param bins histogram bins per score histogram
 * @param classWeights the loss weight of each class, or empty for equal weights
 */
public record ClassificationTask(List<String> classes, int bins, List<Double> classWeights) implements TaskFamily {
  /** DL4J's MCXENT clips softmax outputs at this value; the reported loss does the same. */
  private static final double PROBABILITY_FLOOR = 1e-10;

  public ClassificationTask {
    classes = List.copyOf(Objects.requireNonNull(classes, "classes"));
    classWeights = List.copyOf(Objects.requireNonNull(classWeights, "classWeights"));
    if (classes.size() < 2) {
      throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
    }
    if (bins < 1) {
      throw new IllegalArgumentException("bins must be >= 1, was " + bins);
    }
    if (!classWeights.isEmpty() && classWeights.size() != classes.size()) {
      throw new IllegalArgumentException("class_weights has " + classWeights.size() + " weights for "
          + classes.size() + " classes");
    }
  }

  @Override
  public TaskKind kind() {
    return TaskKind.ofClasses(classes.size());
  }

  @Override
  public int outputs() {
    return classes.size();
  }

  @Override
  public Activation outputActivation() {
    return Activation.SOFTMAX;
  }

  @Override
  public ILossFunction loss() {
    if (classWeights.isEmpty()) {
      return new LossMCXENT();
    }
    return new LossMCXENT(Nd4j.createFromArray(classWeights.stream().mapToDouble(Double::doubleValue).toArray())
        .castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
  }

  /** Score histograms: one pair for a binary task (the positive class), one per class otherwise. */
  private int histograms() {
    return classes.size() == 2 ? 1 : classes.size();
  }

  /** The class each histogram pair is about. */
  private int histogramClass(int h) {
    return classes.size() == 2 ? 1 : h;
  }

  private int countsLength() {
    int k = classes.size();
    return k * k + histograms() * 2 * bins;
  }

  @Override
  public Scoring newScoring(LabelScale scale) {
    int k = classes.size();
    long[][] confusion = new long[k][k];
    ScoreHistogram[] histograms = new ScoreHistogram[histograms()];
    for (int h = 0; h < histograms.length; h++) {
      histograms[h] = new ScoreHistogram(bins);
    }
    return new Scoring() {
      private long n;
      private double loss;

      @Override
      public void add(float[] probabilities, double target) {
        int label = (int) target;
        if (label != target || label < 0 || label >= k || probabilities.length != k) {
          throw new IllegalArgumentException("example label " + target + " with " + probabilities.length
              + " outputs does not fit a classifier of " + k + " classes");
        }
        int predicted = 0;
        for (int c = 1; c < k; c++) {
          if (probabilities[c] > probabilities[predicted]) {
            predicted = c;
          }
        }
        confusion[label][predicted]++;
        loss -= Math.log(Math.max(PROBABILITY_FLOOR, probabilities[label]));
        for (int h = 0; h < histograms.length; h++) {
          int c = histogramClass(h);
          histograms[h].add(ScoreHistogram.logOdds(probabilities, c), label == c);
        }
        n++;
      }

      @Override
      public EvaluationSums sums() {
        long[] counts = new long[countsLength()];
        int at = 0;
        for (long[] row : confusion) {
          System.arraycopy(row, 0, counts, at, k);
          at += k;
        }
        for (ScoreHistogram histogram : histograms) {
          System.arraycopy(histogram.positives(), 0, counts, at, bins);
          System.arraycopy(histogram.negatives(), 0, counts, at + bins, bins);
          at += 2 * bins;
        }
        return new EvaluationSums(n, loss, counts, new double[0]);
      }
    };
  }

  @Override
  public void check(EvaluationSums sums) {
    int k = classes.size();
    long[] counts = sums.counts();
    if (counts.length != countsLength() || sums.sums().length != 0) {
      throw new IllegalArgumentException("a " + kind().key() + " evaluation of " + k + " classes with " + bins
          + " histogram bins has " + countsLength() + " counts and no sums; this one has " + counts.length
          + " counts and " + sums.sums().length + " sums");
    }
    long[] perClass = new long[k];
    long total = 0;
    for (int t = 0; t < k; t++) {
      for (int p = 0; p < k; p++) {
        perClass[t] = Math.addExact(perClass[t], counts[t * k + p]);
      }
      total = Math.addExact(total, perClass[t]);
    }
    if (total != sums.numExamples()) {
      throw new IllegalArgumentException("the confusion matrix counts " + total + " examples but num_examples was "
          + sums.numExamples() + "; they must agree");
    }
    for (int h = 0; h < histograms(); h++) {
      ScoreHistogram histogram = histogram(counts, h);
      int c = histogramClass(h);
      if (histogram.count() != total || histogram.positiveCount() != perClass[c]) {
        throw new IllegalArgumentException("the score histogram of class '" + classes.get(c) + "' counts "
            + histogram.positiveCount() + " of its examples among " + histogram.count() + ", but the confusion"
            + " matrix has " + perClass[c] + " among " + total + "; they must agree");
      }
    }
  }

  private ScoreHistogram histogram(long[] counts, int h) {
    int at = classes.size() * classes.size() + h * 2 * bins;
    return ScoreHistogram.of(java.util.Arrays.copyOfRange(counts, at, at + bins),
        java.util.Arrays.copyOfRange(counts, at + bins, at + 2 * bins));
  }

  @Override
  public EvaluationMetrics metrics(EvaluationSums sums) {
    int k = classes.size();
    long[] counts = sums.counts();
    long[][] confusion = new long[k][k];
    long[] actual = new long[k];
    long[] predicted = new long[k];
    long correct = 0;
    for (int t = 0; t < k; t++) {
      for (int p = 0; p < k; p++) {
        confusion[t][p] = counts[t * k + p];
        actual[t] += confusion[t][p];
        predicted[p] += confusion[t][p];
      }
      correct += confusion[t][t];
    }
    long n = sums.numExamples();
    Map<String, Double> values = new LinkedHashMap<>();
    values.put("loss", n == 0 ? Double.NaN : sums.lossSum() / n);
    values.put("accuracy", n == 0 ? Double.NaN : (double) correct / n);
    double[] precision = new double[k];
    double[] recall = new double[k];
    double[] f1 = new double[k];
    for (int c = 0; c < k; c++) {
      precision[c] = predicted[c] == 0 ? Double.NaN : (double) confusion[c][c] / predicted[c];
      recall[c] = actual[c] == 0 ? Double.NaN : (double) confusion[c][c] / actual[c];
      long denominator = actual[c] + predicted[c];
      f1[c] = denominator == 0 ? Double.NaN : 2.0 * confusion[c][c] / denominator;
    }
    if (k == 2) {
      ScoreHistogram positive = histogram(counts, 0);
      values.put("roc_auc", positive.rocAuc());
      values.put("roc_auc_error_bound", positive.rocAucErrorBound());
      values.put("pr_auc", positive.prAuc());
      values.put("precision", precision[1]);
      values.put("recall", recall[1]);
      values.put("f1", f1[1]);
      return new EvaluationMetrics(n, values, confusion);
    }
    double[] auc = new double[k];
    for (int c = 0; c < k; c++) {
      auc[c] = histogram(counts, c).rocAuc();
    }
    values.put("balanced_accuracy", meanOfDefined(recall));
    values.put("macro_f1", meanOfDefined(f1));
    values.put("macro_roc_auc", meanOfDefined(auc));
    for (int c = 0; c < k; c++) {
      String name = classes.get(c);
      values.put("precision[" + name + "]", precision[c]);
      values.put("recall[" + name + "]", recall[c]);
      values.put("f1[" + name + "]", f1[c]);
      values.put("roc_auc[" + name + "]", auc[c]);
    }
    return new EvaluationMetrics(n, values, confusion);
  }

  /**
   * The mean over the classes where the metric is defined (a class with no examples has no recall,
   * one never predicted has no precision), as scikit-learn's macro averages over present labels.
   */
  private static double meanOfDefined(double[] values) {
    double sum = 0;
    int defined = 0;
    for (double value : values) {
      if (!Double.isNaN(value)) {
        sum += value;
        defined++;
      }
    }
    return defined == 0 ? Double.NaN : sum / defined;
  }
}
