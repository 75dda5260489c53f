package io.factoryfl.coordinator.report;

import io.factoryfl.core.text.Printable;
import io.factoryfl.coordinator.strategy.EvaluateResult;
import io.factoryfl.core.aggregate.WeightedSumAccumulator;
import io.factoryfl.core.data.FeatureStats;
import io.factoryfl.core.task.EvaluationSums;
import io.factoryfl.core.task.TaskFamily;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rules every value a participant reports must pass before it touches job state, in one
 * place: feature statistics, evaluation counts and histograms, training metrics, and sums of
 * reported counts. A participant is treated as hostile: a value that breaks a rule is refused with
 * an {@link InvalidReportException} that names the value and the rule, and the caller drops that
 * site's contribution for the round.
 *
 * <p>Counts are at most {@link #MAX_COUNT} and weighed with at most the job's {@code
 * max_examples_per_site}; evaluation counts are bounded by the job's {@code max_examples_per_site}, which the job spec parser
 * keeps at most {@code Integer.MAX_VALUE / participants.max}; so sums over a round's sites cannot
 * overflow either, and {@link #addCount} checks anyway.
 */
public final class ReportedValues {
  /** Metrics a participant may attach to an update; anything else is refused. */
  public static final Set<String> TRAINING_METRICS = Set.of("train_loss");
  /** At most this many metrics per update. */
  public static final int MAX_METRICS = 8;
  /**
   * Largest plausible mean training loss. Cross-entropy of a float32 softmax stays below about
   * 104 per example; a loss beyond this is a broken or hostile site.
   */
  public static final double MAX_TRAIN_LOSS = 1e4;
  /** Largest mean loss per evaluated example, on the same grounds. */
  public static final double MAX_EVAL_LOSS = 1e4;
  /**
   * Largest mean square of a numeric feature: values up to 1e100 in magnitude, so that the capped
   * sums of every site of a job stay finite when merged.
   */
  public static final double MAX_MEAN_SQUARE = 1e200;
  /**
   * The largest count a participant may report for anything (rows, examples): the largest weight
   * the FedAvg accumulator takes. Counts in range are then weighed with at most the job's
   * max_examples_per_site.
   */
  public static final long MAX_COUNT = WeightedSumAccumulator.MAX_WEIGHT;
  /** Relative slack for rounding in the Cauchy-Schwarz check of feature statistics. */
  private static final double ROUNDING = 1e-6;

  private ReportedValues() {}

  /**
   * Checks one site's feature statistics over its training split and returns them weighed as at
   * most {@code maxRows} rows ({@link FeatureStats#capped}).
   *
   * @param columns the job's numeric feature columns, in order (for messages)
   * @param maxRows the job's max_examples_per_site
   */
  public static FeatureStats featureStats(FeatureStats stats, List<String> columns, long maxRows)
      throws InvalidReportException {
    if (stats.numFeatures() != columns.size()) {
      throw new InvalidReportException("feature statistics have " + stats.numFeatures()
          + " columns, expected " + columns.size() + " (the job's numeric features)");
    }
    if (stats.count() < 1 || stats.count() > MAX_COUNT) {
      throw new InvalidReportException("feature statistics count was " + stats.count()
          + "; it must be between 1 and " + MAX_COUNT + " rows");
    }
    checkSums(stats, columns);
    return stats.capped(maxRows);
  }

  /**
   * Checks the statistics of a cohort's union as a secure sum revealed them (the sum's own range
   * checks, count and limbs, are done by the decoding): finite, non-negative sums of squares, no
   * squared mean above the mean square, no mean square above {@link #MAX_MEAN_SQUARE}. A sum that
   * fails names no site: the caller fails the attempt.
   */
  public static FeatureStats securedFeatureStats(FeatureStats total, List<String> columns)
      throws InvalidReportException {
    if (total.numFeatures() != columns.size()) {
      throw new InvalidReportException("the summed feature statistics have " + total.numFeatures()
          + " columns, expected " + columns.size() + " (the job's numeric features)");
    }
    checkSums(total, columns);
    return total;
  }

  private static void checkSums(FeatureStats stats, List<String> columns) throws InvalidReportException {
    double[] sum = stats.sum();
    double[] squares = stats.sumOfSquares();
    double[] present = stats.present();
    for (int i = 0; i < sum.length; i++) {
      String column = "feature '" + columns.get(i) + "'";
      if (present[i] == 0) {
        if (sum[i] != 0 || squares[i] != 0) {
          throw new InvalidReportException(column + " is present in no row but has sum " + sum[i]
              + " and sum of squares " + squares[i]);
        }
        continue;
      }
      if (!Double.isFinite(sum[i]) || !Double.isFinite(squares[i])) {
        throw new InvalidReportException(column + " has sum " + sum[i] + " and sum of squares "
            + squares[i] + "; both must be finite numbers");
      }
      if (squares[i] < 0) {
        throw new InvalidReportException(column + " has a negative sum of squares (" + squares[i]
            + ")");
      }
      double mean = sum[i] / present[i];
      double meanSquare = squares[i] / present[i];
      if (meanSquare > MAX_MEAN_SQUARE) {
        throw new InvalidReportException(column + " has mean square " + meanSquare
            + "; values beyond 1e100 in magnitude cannot be standardised (at most "
            + MAX_MEAN_SQUARE + ")");
      }
      if (mean * mean > meanSquare * (1 + ROUNDING) + Double.MIN_NORMAL) {
        throw new InvalidReportException(column + " has sum " + sum[i] + " and sum of squares "
            + squares[i] + " over " + present[i] + " rows; no data has a squared mean above"
            + " its mean square");
      }
    }
  }

  /**
   * The statistics of {@code total} and one more site's (already checked and capped) statistics.
   *
   * @throws InvalidReportException if the merged count overflows or a merged sum is not finite
   */
  public static FeatureStats merge(FeatureStats total, FeatureStats site) throws InvalidReportException {
    FeatureStats merged;
    try {
      merged = total.merge(site);
    } catch (ArithmeticException overflow) {
      throw new InvalidReportException("feature statistics count " + site.count()
          + " overflows the total of the other sites (" + total.count() + ")");
    }
    if (!merged.isFinite()) {
      throw new InvalidReportException("feature statistics make the federation's sums overflow to"
          + " infinity");
    }
    return merged;
  }

  /**
   * Checks one site's evaluation of a global model and returns it as a strategy input.
   *
   * @param task the job's task family, whose layout and consistency rules the sums must meet
   * @param maxExamples the job's max_examples_per_site
   * @param trainRows the rows of the site's training split as it reported them in round 0, or
   *     -1 if it did not (a site that joined later, or any site of a secure job): a hold-out split
   *     is not larger
   */
  public static EvaluateResult evaluation(String participant, long numExamples, double lossSum,
      long[] counts, double[] sums, TaskFamily task, long maxExamples, long trainRows)
      throws InvalidReportException {
    if (numExamples < 1) {
      throw new InvalidReportException("evaluation num_examples was " + numExamples
          + "; an evaluation must cover at least 1 example");
    }
    if (numExamples > maxExamples) {
      throw new InvalidReportException("evaluation num_examples was " + numExamples
          + "; a site's evaluation may cover at most " + maxExamples
          + " examples (the job's max_examples_per_site)");
    }
    if (trainRows >= 0 && numExamples > trainRows) {
      throw new InvalidReportException("evaluation num_examples was " + numExamples
          + "; the site reported " + trainRows + " training rows in round 0, and its evaluation"
          + " split may not be larger than that");
    }
    if (!Double.isFinite(lossSum) || lossSum < 0 || lossSum / numExamples > MAX_EVAL_LOSS) {
      throw new InvalidReportException("evaluation loss_sum was " + lossSum + " over " + numExamples
          + " examples; it must be finite, >= 0 and at most " + MAX_EVAL_LOSS + " per example");
    }
    EvaluationSums evaluation;
    try {
      evaluation = new EvaluationSums(numExamples, lossSum, counts, sums);
      task.check(evaluation);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new InvalidReportException("evaluation: " + e.getMessage());
    }
    return new EvaluateResult(participant, evaluation);
  }

  /**
   * Checks the example count of a plain training update. Any count in range is accepted, and
   * weighed with at most the job's max_examples_per_site by the strategy.
   */
  public static void updateExamples(long numExamples) throws InvalidReportException {
    if (numExamples < 1 || numExamples > MAX_COUNT) {
      throw new InvalidReportException("num_examples was " + numExamples + "; an update's example"
          + " count must be between 1 and " + MAX_COUNT);
    }
  }

  /** Checks the metrics a participant attached to a training update. */
  public static void trainingMetrics(Map<String, Double> metrics) throws InvalidReportException {
    if (metrics.size() > MAX_METRICS) {
      throw new InvalidReportException("the update carries " + metrics.size()
          + " metrics; at most " + MAX_METRICS + " are accepted");
    }
    for (Map.Entry<String, Double> metric : metrics.entrySet()) {
      if (!TRAINING_METRICS.contains(metric.getKey())) {
        throw new InvalidReportException("metric '" + Printable.escape(abbreviate(metric.getKey()))
            + "' is not one the coordinator accepts " + new TreeSet<>(TRAINING_METRICS));
      }
    }
    Double loss = metrics.get("train_loss");
    if (loss != null && !(loss >= 0 && loss <= MAX_TRAIN_LOSS)) {
      throw new InvalidReportException("metric train_loss was " + loss
          + "; it must be a finite number from 0 to " + MAX_TRAIN_LOSS);
    }
  }

  /**
   * Checks the metrics of a masked (secure aggregation) update: there must be none. Under secure
   * aggregation the training loss travels inside the masked vector ({@code MaskedLayout}) so that
   * only the round's weighted mean is learnt; a per-site metric in the clear would defeat that.
   */
  public static void maskedUpdateMetrics(Map<String, Double> metrics) throws InvalidReportException {
    if (!metrics.isEmpty()) {
      throw new InvalidReportException("a masked update carries metrics "
          + new TreeSet<>(metrics.keySet().stream().map(key -> Printable.escape(abbreviate(key))).toList())
          + "; under secure aggregation no per-site value may travel in the clear (the training loss goes"
          + " inside the masked vector): send the update without metrics");
    }
  }

  /**
   * {@code total + more} for counts that came from participants.
   *
   * @param what what is being counted (for the message)
   * @throws InvalidReportException if the sum overflows a long
   */
  public static long addCount(long total, long more, String what) throws InvalidReportException {
    try {
      return Math.addExact(total, more);
    } catch (ArithmeticException overflow) {
      throw new InvalidReportException(what + ": adding " + more + " to " + total
          + " overflows a 64-bit count");
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }
}
