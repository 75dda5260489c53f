package io.factoryfl.coordinator.report;

import io.factoryfl.core.task.ClassificationTask;
import io.factoryfl.core.task.LabelClip;
import io.factoryfl.core.task.RegressionTask;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.strategy.EvaluateResult;
import io.factoryfl.core.data.FeatureStats;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every rule a participant's reported values must pass, one test per rule. */
class ReportedValuesTest {
  private static final List<String> COLUMNS = List.of("torque", "speed");
  private static final int BINS = 4;

  // --- feature statistics --------------------------------------------------------------------

  private static FeatureStats stats(long count, double sum0, double squares0) {
    return new FeatureStats(count, new double[] {sum0, 20}, new double[] {squares0, 50});
  }

  @Test
  void featureStats_plausibleStatsPassUnchanged() throws Exception {
    FeatureStats honest = stats(10, 10, 20);

    assertSame(honest, ReportedValues.featureStats(honest, COLUMNS, 1000));
  }

  @Test
  void featureStats_wrongWidthIsRefused() {
    FeatureStats narrow = new FeatureStats(10, new double[] {1}, new double[] {1});

    assertRefused(() -> ReportedValues.featureStats(narrow, COLUMNS, 1000),
        "feature statistics have 1 columns, expected 2");
  }

  @Test
  void featureStats_zeroRowsIsRefused() {
    assertRefused(() -> ReportedValues.featureStats(stats(0, 0, 0), COLUMNS, 1000),
        "count was 0; it must be between 1 and 536870912 rows");
  }

  @Test
  void featureStats_countOfLongMaxIsRefused() {
    assertRefused(() -> ReportedValues.featureStats(stats(Long.MAX_VALUE, 0, 0), COLUMNS, 1000),
        "count was 9223372036854775807");
  }

  @Test
  void featureStats_nanSumIsRefusedNamingTheColumn() {
    assertRefused(() -> ReportedValues.featureStats(stats(10, Double.NaN, 20), COLUMNS, 1000),
        "feature 'torque' has sum NaN");
  }

  @Test
  void featureStats_infiniteSumOfSquaresIsRefused() {
    assertRefused(() -> ReportedValues.featureStats(
        stats(10, 10, Double.POSITIVE_INFINITY), COLUMNS, 1000), "both must be finite");
  }

  @Test
  void featureStats_negativeSumOfSquaresIsRefused() {
    assertRefused(() -> ReportedValues.featureStats(stats(10, 0, -1), COLUMNS, 1000),
        "feature 'torque' has a negative sum of squares");
  }

  @Test
  void featureStats_squaredMeanAboveMeanSquareIsRefused() {
    // mean 10 but mean square 1: impossible for any data
    assertRefused(() -> ReportedValues.featureStats(stats(10, 100, 10), COLUMNS, 1000),
        "no data has a squared mean above its mean square");
  }

  @Test
  void featureStats_constantFeatureWithRoundingPasses() throws Exception {
    // 3 rows of 0.1: the sums carry rounding, the squared mean may exceed the mean square by ulps
    double sum = 0.1 + 0.1 + 0.1;
    double squares = 0.1 * 0.1 + 0.1 * 0.1 + 0.1 * 0.1;

    FeatureStats constant = new FeatureStats(3, new double[] {sum, sum}, new double[] {squares, squares});

    ReportedValues.featureStats(constant, COLUMNS, 1000);
  }

  @Test
  void featureStats_hugeValuesAreRefused() {
    assertRefused(() -> ReportedValues.featureStats(stats(1, 1e150, 1e300), COLUMNS, 1000),
        "cannot be standardised");
  }

  @Test
  void featureStats_moreRowsThanTheCapWeighAsTheCap() throws Exception {
    FeatureStats capped = ReportedValues.featureStats(stats(1000, 1000, 2000), COLUMNS, 10);

    assertEquals(10, capped.count());
    assertArrayEquals(new double[] {10, 0.2}, capped.sum(), 1e-12);
    assertArrayEquals(new double[] {20, 0.5}, capped.sumOfSquares(), 1e-12);
  }

  @Test
  void merge_nonFiniteTotalIsRefused() {
    FeatureStats big = new FeatureStats(1, new double[] {Double.MAX_VALUE, 0},
        new double[] {Double.MAX_VALUE, 0});

    assertRefused(() -> ReportedValues.merge(big, big), "overflow to infinity");
  }

  @Test
  void merge_countOverflowIsRefused() {
    FeatureStats a = new FeatureStats(Long.MAX_VALUE, new double[2], new double[2]);
    FeatureStats b = new FeatureStats(1, new double[2], new double[2]);

    assertRefused(() -> ReportedValues.merge(a, b), "overflows the total");
  }

  // --- evaluations ---------------------------------------------------------------------------

  /** 2 positives in bins 3 and 1, 2 negatives in bins 2 and 0: ROC-AUC 0.75. */
  private static final long[] POS = {0, 1, 0, 1};
  private static final long[] NEG = {1, 0, 1, 0};
  /** True class by predicted class: 3 of 4 right, consistent with POS and NEG. */
  private static final long[] CONFUSION = {1, 1, 0, 2};
  private static final ClassificationTask TASK = new ClassificationTask(List.of("0", "1"), BINS, List.of());

  private static long[] counts(long[] confusion, long[] pos, long[] neg) {
    long[] counts = new long[confusion.length + pos.length + neg.length];
    System.arraycopy(confusion, 0, counts, 0, confusion.length);
    System.arraycopy(pos, 0, counts, confusion.length, pos.length);
    System.arraycopy(neg, 0, counts, confusion.length + pos.length, neg.length);
    return counts;
  }

  private static EvaluateResult evaluation(long n, double loss, long[] confusion, long[] pos, long[] neg,
      long trainRows) throws InvalidReportException {
    return ReportedValues.evaluation("site", n, loss, counts(confusion, pos, neg), new double[0], TASK, 1000,
        trainRows);
  }

  @Test
  void evaluation_consistentReportPasses() throws Exception {
    EvaluateResult result = evaluation(4, 2.0, CONFUSION, POS, NEG, 10);

    assertEquals(4, result.numExamples());
    assertEquals(0.75, TASK.metrics(result.sums()).get("roc_auc"), 1e-12);
    assertEquals(0.75, TASK.metrics(result.sums()).get("accuracy"), 1e-12);
  }

  @Test
  void evaluation_wrongLayoutIsRefused() {
    assertRefused(() -> evaluation(4, 2.0, CONFUSION, new long[] {2}, new long[] {2}, 10),
        "with 4 histogram bins has 12 counts and no sums; this one has 6 counts");
  }

  @Test
  void evaluation_negativeBinIsRefused() {
    assertRefused(() -> evaluation(4, 2.0, CONFUSION, new long[] {0, 3, 0, 2}, new long[] {-1, 0, 0, 0}, 10),
        "count 8 is -1; counts must be >= 0");
  }

  @Test
  void evaluation_countsNotSummingToNumExamplesAreRefused() {
    assertRefused(() -> evaluation(5, 2.0, CONFUSION, POS, NEG, 10),
        "the confusion matrix counts 4 examples but num_examples was 5");
  }

  @Test
  void evaluation_histogramDisagreeingWithTheConfusionMatrixIsRefused() {
    assertRefused(() -> evaluation(4, 2.0, new long[] {1, 0, 1, 2}, POS, NEG, 10),
        "the score histogram of class '1' counts 2 of its examples among 4, but the confusion matrix has 3");
  }

  @Test
  void evaluation_binSumOverflowIsRefused() {
    long[] huge = {Long.MAX_VALUE, Long.MAX_VALUE, 0, 0};

    assertRefused(() -> ReportedValues.evaluation("site", 4, 1, counts(CONFUSION, huge, NEG), new double[0], TASK,
        Long.MAX_VALUE, -1), "overflow");
  }

  @Test
  void evaluation_zeroExamplesIsRefused() {
    assertRefused(() -> evaluation(0, 0, new long[4], new long[4], new long[4], 10), "at least 1 example");
  }

  @Test
  void evaluation_moreThanTheJobsCapIsRefused() {
    long[] pos = {0, 0, 0, 500_000};
    long[] neg = {500_000, 0, 0, 0};

    assertRefused(() -> evaluation(1_000_000, 1, new long[] {500_000, 0, 0, 500_000}, pos, neg, -1),
        "num_examples was 1000000; a site's evaluation may cover at most 1000 examples");
  }

  @Test
  void evaluation_moreThanTheSitesTrainingRowsIsRefused() {
    assertRefused(() -> evaluation(4, 2.0, CONFUSION, POS, NEG, 3),
        "the site reported 3 training rows in round 0");
  }

  @Test
  void evaluation_siteWithoutRoundZeroStatsIsBoundByTheCapOnly() throws Exception {
    assertEquals(4, evaluation(4, 2.0, CONFUSION, POS, NEG, -1).numExamples());
  }

  @Test
  void evaluation_aRegressionReportIsCheckedByItsOwnRules() throws Exception {
    RegressionTask regression = new RegressionTask(new LabelClip(null, 125.0), "mse");
    assertEquals(2, ReportedValues.evaluation("site", 2, 1, new long[0], new double[] {3, 5, 200, 20_000},
        regression, 1000, -1).numExamples());
    assertRefused(() -> ReportedValues.evaluation("site", 2, 1, new long[0], new double[] {3, 5, 400, 80_000},
        regression, 1000, -1), "outside what labels clipped to [null, 125.0] can add up to");
  }

  @Test
  void evaluation_nanLossIsRefused() {
    assertRefused(() -> evaluation(4, Double.NaN, CONFUSION, POS, NEG, 10), "loss_sum was NaN");
  }

  @Test
  void evaluation_negativeLossIsRefused() {
    assertRefused(() -> evaluation(4, -1, CONFUSION, POS, NEG, 10), "loss_sum was -1.0");
  }

  @Test
  void evaluation_hugeLossPerExampleIsRefused() {
    assertRefused(() -> evaluation(4, 1e9, CONFUSION, POS, NEG, 10), "at most 10000.0 per example");
  }

  // --- training updates ----------------------------------------------------------------------

  @Test
  void updateExamples_rangeIsOneTo2Pow29() throws Exception {
    ReportedValues.updateExamples(1);
    ReportedValues.updateExamples(1L << 29);
    assertRefused(() -> ReportedValues.updateExamples(0), "num_examples was 0");
    assertRefused(() -> ReportedValues.updateExamples(Long.MAX_VALUE),
        "num_examples was 9223372036854775807");
  }

  @Test
  void trainingMetrics_plausibleLossPasses() throws Exception {
    ReportedValues.trainingMetrics(Map.of("train_loss", 0.42));
    ReportedValues.trainingMetrics(Map.of());
  }

  @Test
  void maskedUpdateMetrics_aTrainLossInTheClearIsRefusedNamingIt() throws Exception {
    assertRefused(() -> ReportedValues.maskedUpdateMetrics(Map.of("train_loss", 0.42)),
        "a masked update carries metrics [train_loss]; under secure aggregation no per-site value may travel"
            + " in the clear");
    ReportedValues.maskedUpdateMetrics(Map.of());
  }

  @Test
  void trainingMetrics_nanLossIsRefused() {
    assertRefused(() -> ReportedValues.trainingMetrics(Map.of("train_loss", Double.NaN)),
        "train_loss was NaN");
  }

  @Test
  void trainingMetrics_infiniteLossIsRefused() {
    assertRefused(() -> ReportedValues.trainingMetrics(Map.of("train_loss", Double.POSITIVE_INFINITY)),
        "train_loss was Infinity");
  }

  @Test
  void trainingMetrics_negativeLossIsRefused() {
    assertRefused(() -> ReportedValues.trainingMetrics(Map.of("train_loss", -0.5)),
        "train_loss was -0.5");
  }

  @Test
  void trainingMetrics_hugeLossIsRefused() {
    assertRefused(() -> ReportedValues.trainingMetrics(Map.of("train_loss", 1e300)),
        "from 0 to 10000.0");
  }

  @Test
  void trainingMetrics_unknownKeyIsRefusedAndEscaped() {
    assertRefused(() -> ReportedValues.trainingMetrics(Map.of("\u001b[2Jevil", 1.0)),
        "metric '\\u001b[2Jevil' is not one the coordinator accepts [train_loss]");
  }

  @Test
  void trainingMetrics_tooManyKeysAreRefused() {
    Map<String, Double> many = new LinkedHashMap<>();
    for (int i = 0; i < 9; i++) {
      many.put("m" + i, 1.0);
    }

    assertRefused(() -> ReportedValues.trainingMetrics(many), "carries 9 metrics; at most 8");
  }

  @Test
  void addCount_overflowIsRefused() throws Exception {
    assertEquals(7, ReportedValues.addCount(3, 4, "rows"));
    assertRefused(() -> ReportedValues.addCount(Long.MAX_VALUE, 1, "rows"),
        "rows: adding 1 to 9223372036854775807 overflows");
  }

  private static void assertRefused(Executable call, String described) {
    InvalidReportException e = assertThrows(InvalidReportException.class, call);
    assertTrue(e.getMessage().contains(described),
        "expected the reason to contain \"" + described + "\" but it was: " + e.getMessage());
  }
}
