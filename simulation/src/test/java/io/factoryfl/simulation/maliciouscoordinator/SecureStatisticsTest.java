package io.factoryfl.simulation.maliciouscoordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.FeatureStats;
import io.factoryfl.core.secagg.ContributionRule;
import io.factoryfl.core.secagg.StatisticsLayout;
import io.factoryfl.proto.v1.FeatureStatsTask;
import io.factoryfl.proto.v1.RefusalCode;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round 0 under secure aggregation: the sites' feature statistics (row counts, sums, sums of
 * squares) go through a SecAgg+ session ({@link StatisticsLayout}), so the coordinator holds the
 * cohort's exact sum and no site's statistics. Played by the {@link DeviatingFleet} coordinator
 * against real participant code: the honest session gives exactly the merged statistics; a second
 * statistics sum of the same job over the cohort minus a target (the retry-difference attack on
 * round 0), a statistics session outside round 0, one about another job's subject, and a plain
 * statistics task to a site that requires secure aggregation are all refused.
 */
class SecureStatisticsTest {
  private static final List<String> COHORT = List.of("plant-1", "plant-2", "plant-3", "plant-4", "plant-5");
  private static final String TARGET = "plant-3";
  private static final String JOB = "job-stats";

  @TempDir Path dir;
  private DeviatingFleet fleet;
  private SecAggStages stages;

  @BeforeEach
  void start() throws Exception {
    fleet = new DeviatingFleet(dir, COHORT);
    stages = new SecAggStages(fleet);
  }

  @AfterEach
  void stop() throws InterruptedException {
    fleet.close();
  }

  @Test
  @Timeout(60)
  void theCoordinatorHoldsTheCohortsExactStatistics_andNoSitesOwn() throws Exception {
    SecAggStages.Outcome outcome = stages.runStatistics(JOB, JOB + "/r0/a1", COHORT);
    assertNull(outcome.failure(), outcome.failure());

    FeatureStats summed = new StatisticsLayout(2).decode(outcome.sum(), COHORT.size(), COHORT.size(),
        SecAggStages.MAX_EXAMPLES);
    FeatureStats exact = FeatureStats.empty(2);
    for (String site : COHORT) {
      exact = exact.merge(statisticsOf(site));
    }
    assertEquals(exact.count(), summed.count());
    for (int f = 0; f < 2; f++) {
      assertEquals(exact.sum()[f], summed.sum()[f], 1e-6, "sum of x" + (f + 1));
      assertEquals(exact.sumOfSquares()[f], summed.sumOfSquares()[f], 1e-6, "sum of squares of x" + (f + 1));
    }
    // What each site sent: a masked upload with no count in its header, never statistics in the clear.
    for (String site : COHORT) {
      DeviatingFleet.Upload upload = assertInstanceOf(DeviatingFleet.Upload.class, outcome.maskedReplies().get(site));
      assertTrue(upload.header().getMasked());
      assertEquals(0, upload.header().getNumExamples());
      assertEquals(StatisticsLayout.subject(JOB), upload.header().getBaseModelHash());
      int[] own = new StatisticsLayout(2).encode(statisticsOf(site), List.of("x1", "x2"), COHORT.size(),
          SecAggStages.MAX_EXAMPLES);
      assertFalse(Arrays.equals(own, upload.words()), site + "'s words are masked");
    }
    for (Map.Entry<String, Object> reply : outcome.keyReplies().entrySet()) {
      assertFalse(reply.getValue() instanceof TaskResult result && result.hasFeatureStats(), reply.getKey());
    }
  }

  @Test
  @Timeout(60)
  void aSecondStatisticsSumOfTheJobWithoutTheTarget_isRefusedByEverySite() throws Exception {
    assertNull(stages.runStatistics(JOB, JOB + "/r0/a1", COHORT).failure());
    List<String> withoutTarget = new ArrayList<>(COHORT);
    withoutTarget.remove(TARGET);

    SecAggStages.Outcome rerun = stages.runStatistics(JOB, JOB + "/r0/a2", withoutTarget);

    assertNull(rerun.sum(), "the coordinator holds no second sum");
    for (String site : withoutTarget) {
      Object reply = rerun.keyReplies().get(site);
      assertTrue(SecAggStages.refused(reply), site + ": " + reply);
      TaskResult result = (TaskResult) reply;
      assertEquals(RefusalCode.SECURE_AGGREGATION, result.getRefusal().getCode(), SecAggStages.reason(reply));
      assertTrue(ContributionRule.isRefusal(result.getRefusal().getReason()), SecAggStages.reason(reply));
    }
    assertEquals(COHORT.size(), fleet.uploads.size(), "one masked statistics input per site, once");
  }

  @Test
  @Timeout(60)
  void statisticsOutsideRoundZero_aboutAnotherJob_orInTheClear_areRefused() throws Exception {
    Map<String, Object> laterRound = stages.stage(JOB, 3, JOB + "/r3/a1", "keys", COHORT, site -> Task.newBuilder()
        .setSecaggAdvertise(SecAggStages.setup(JOB + "/r3/a1", COHORT, StatisticsLayout.subject(JOB),
            SecAggStages.MAX_EXAMPLES).setStatistics(FeatureStatsTask.getDefaultInstance())));
    assertAllRefused(laterRound, "round 0 only");

    Map<String, Object> otherSubject = stages.stage(JOB, 0, JOB + "/r0/a9", "keys", COHORT, site -> Task.newBuilder()
        .setSecaggAdvertise(SecAggStages.setup(JOB + "/r0/a9", COHORT, StatisticsLayout.subject("job-old"),
            SecAggStages.MAX_EXAMPLES).setStatistics(FeatureStatsTask.getDefaultInstance())));
    assertAllRefused(otherSubject, "it must be '" + StatisticsLayout.subject(JOB) + "'");

    // The documented default site policy requires secure aggregation, statistics included.
    Map<String, Object> plain = stages.stage(JOB, 0, JOB + "/plain", "stats", COHORT,
        site -> Task.newBuilder().setFeatureStats(FeatureStatsTask.getDefaultInstance()));
    for (Object reply : plain.values()) {
      assertTrue(SecAggStages.refused(reply), String.valueOf(reply));
      assertEquals(RefusalCode.POLICY, ((TaskResult) reply).getRefusal().getCode(), SecAggStages.reason(reply));
      assertFalse(((TaskResult) reply).hasFeatureStats());
    }
    assertTrue(fleet.uploads.isEmpty());
  }

  private static void assertAllRefused(Map<String, Object> replies, String naming) {
    for (Map.Entry<String, Object> reply : replies.entrySet()) {
      assertTrue(SecAggStages.refused(reply.getValue()), reply.getKey() + ": " + reply.getValue());
      assertTrue(SecAggStages.reason(reply.getValue()).contains(naming), SecAggStages.reason(reply.getValue()));
    }
  }

  /** A site's statistics from its own file, as the test (not the coordinator) can read them. */
  private FeatureStats statisticsOf(String site) throws Exception {
    List<double[]> rows = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve(site).resolve("train.csv")).subList(1, 41)) {
      String[] cells = line.split(",");
      rows.add(new double[] {Double.parseDouble(cells[0]), Double.parseDouble(cells[1])});
    }
    return FeatureStats.of(2, rows.toArray(double[][]::new));
  }
}
