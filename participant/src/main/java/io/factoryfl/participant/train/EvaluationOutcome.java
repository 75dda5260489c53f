package io.factoryfl.participant.train;

import io.factoryfl.core.metrics.ScoreHistogram;
import java.util.Objects;

/**
 * Additive evaluation results of one site: sums and counts, so that the outcomes of several sites
 * combine exactly into global metrics. The histogram is copied in and out.
 *
 * @param numExamples number of examples evaluated
 * @param lossSum sum over examples of the cross-entropy {@code -ln p(true class)}, with {@code p}
 *     clipped below at 1e-10 as DL4J's MCXENT loss does
 * @param correct number of examples whose most probable class is the true class
 * @param histogram predicted probability of the last (positive) class, split by whether the true
 *     class is the last class
 */
public record EvaluationOutcome(
    long numExamples, double lossSum, long correct, ScoreHistogram histogram) {

  public EvaluationOutcome {
    Objects.requireNonNull(histogram, "histogram must not be null");
    if (numExamples < 0 || correct < 0 || correct > numExamples) {
      throw new IllegalArgumentException(
          "need 0 <= correct <= numExamples, were correct=" + correct
              + " numExamples=" + numExamples);
    }
    histogram = histogram.copy();
  }

  @Override
  public ScoreHistogram histogram() {
    return histogram.copy();
  }

  /** Mean loss per example, NaN if there were no examples. */
  public double meanLoss() {
    return numExamples == 0 ? Double.NaN : lossSum / numExamples;
  }

  /** Fraction of examples classified correctly, NaN if there were no examples. */
  public double accuracy() {
    return numExamples == 0 ? Double.NaN : (double) correct / numExamples;
  }

  /** The outcome over the union of this site's and {@code other}'s examples. */
  public EvaluationOutcome merge(EvaluationOutcome other) {
    return new EvaluationOutcome(
        numExamples + other.numExamples,
        lossSum + other.lossSum,
        correct + other.correct,
        histogram.copy().merge(other.histogram));
  }
}
