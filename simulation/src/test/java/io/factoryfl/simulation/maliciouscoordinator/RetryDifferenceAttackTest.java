package io.factoryfl.simulation.maliciouscoordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.secagg.ContributionRule;
import io.factoryfl.proto.v1.RefusalCode;
import io.factoryfl.proto.v1.TaskResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * H2, the retry-difference attack: the coordinator runs a secure round over cohort C and unmasks
 * it, then reruns the round over C minus the target, to take the target's input as the difference
 * of the two sums. Each site keeps a durable record of the masked inputs it sent and sends at most
 * one per base model and per (job, round), so the rerun, the same base under a bumped round number,
 * and the same round from a perturbed copy of the model are all refused before any key is
 * advertised: the coordinator holds exactly one sum.
 */
class RetryDifferenceAttackTest {
  private static final List<String> COHORT = List.of("plant-1", "plant-2", "plant-3", "plant-4", "plant-5");
  private static final String TARGET = "plant-5";
  private static final String JOB = "job-h2";

  @TempDir Path dir;
  private DeviatingFleet fleet;
  private SecAggStages stages;
  private final Map<String, Boolean> recordedBeforeUpload = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    fleet = new DeviatingFleet(dir, COHORT);
    stages = new SecAggStages(fleet);
    // When a masked input's header arrives, the site's record of it must already be on disk.
    fleet.onUploadHeader((site, header) -> recordedBeforeUpload.put(site, recordHolds(site, header.getTaskId())));
  }

  @AfterEach
  void stop() throws InterruptedException {
    fleet.close();
  }

  @Test
  @Timeout(60)
  void rerunningAnUnmaskedRoundWithoutTheTarget_isRefusedByEverySite() throws Exception {
    float[] initial = DeviatingFleet.initialModel();
    String base = fleet.publish(initial);
    SecAggStages.Outcome first = stages.run(JOB, 1, JOB + "/r1/a1", COHORT, base,
        SecAggStages.train(base, 0.05), initial.length);
    assertNull(first.failure(), first.failure());
    int[] sum = first.sum();
    assertEquals(5 * 40, sum[sum.length - 1], "the first sum is over all five sites' 40 examples");
    COHORT.forEach(site -> assertEquals(Boolean.TRUE, recordedBeforeUpload.get(site),
        site + " had its contribution on disk before its masked input reached the coordinator"));

    List<String> withoutTarget = new ArrayList<>(COHORT);
    withoutTarget.remove(TARGET);
    // the same round, the same base model, a new attempt without the target
    SecAggStages.Outcome rerun = stages.run(JOB, 1, JOB + "/r1/a2", withoutTarget, base,
        SecAggStages.train(base, 0.05), initial.length);
    assertAllRefusedAsAlreadyContributed(rerun, withoutTarget, "job " + JOB + " round 1");

    // the same base under a bumped round number
    SecAggStages.Outcome bumped = stages.run(JOB, 2, JOB + "/r2/a1", withoutTarget, base,
        SecAggStages.train(base, 0.05), initial.length);
    assertAllRefusedAsAlreadyContributed(bumped, withoutTarget, "trained from model " + base);

    // the same base in another job
    SecAggStages.Outcome otherJob = stages.run("job-h2-bis", 1, "job-h2-bis/r1/a1", withoutTarget, base,
        SecAggStages.train(base, 0.05), initial.length);
    assertAllRefusedAsAlreadyContributed(otherJob, withoutTarget, "trained from model " + base);

    // the same round from a copy of the model perturbed in one weight (a different hash)
    float[] nudged = initial.clone();
    nudged[0] = Math.nextUp(nudged[0]);
    String nudgedBase = fleet.publish(nudged);
    SecAggStages.Outcome perturbed = stages.run(JOB, 1, JOB + "/r1/a3", withoutTarget, nudgedBase,
        SecAggStages.train(nudgedBase, 0.05), initial.length);
    assertAllRefusedAsAlreadyContributed(perturbed, withoutTarget, "job " + JOB + " round 1");

    assertEquals(COHORT.size(), fleet.uploads.size(), "the coordinator received one masked input per site, once");
  }

  @Test
  @Timeout(60)
  void aContributionSurvivesTheSiteRestarting() throws Exception {
    float[] initial = DeviatingFleet.initialModel();
    String base = fleet.publish(initial);
    assertNull(stages.run(JOB, 1, JOB + "/r1/a1", COHORT, base, SecAggStages.train(base, 0.05),
        initial.length).failure());
    fleet.close();

    // the same sites, new processes (new agents, sessions and logs opened from the same files)
    fleet = new DeviatingFleet(dir, COHORT);
    stages = new SecAggStages(fleet);
    String again = fleet.publish(initial);
    SecAggStages.Outcome rerun = stages.run(JOB, 1, JOB + "/r1/a2", COHORT.subList(0, 4), again,
        SecAggStages.train(again, 0.05), initial.length);
    assertAllRefusedAsAlreadyContributed(rerun, COHORT.subList(0, 4), "job " + JOB + " round 1");
  }

  private static void assertAllRefusedAsAlreadyContributed(SecAggStages.Outcome outcome, List<String> sites,
      String naming) {
    assertNull(outcome.sum(), "the coordinator holds no second sum");
    assertNotNull(outcome.failure());
    for (String site : sites) {
      Object reply = outcome.keyReplies().get(site);
      assertTrue(SecAggStages.refused(reply), site + " advertised keys: " + reply);
      TaskResult result = (TaskResult) reply;
      assertEquals(RefusalCode.SECURE_AGGREGATION, result.getRefusal().getCode(), SecAggStages.reason(reply));
      assertTrue(ContributionRule.isRefusal(result.getRefusal().getReason()), SecAggStages.reason(reply));
      assertTrue(result.getRefusal().getReason().contains(naming), SecAggStages.reason(reply));
    }
  }

  private boolean recordHolds(String site, String taskId) {
    Path file = fleet.sites.get(site).contributionLog();
    try {
      String tag = taskId.substring(0, taskId.indexOf("/masked/"));
      return Files.exists(file) && Files.readString(file).contains("\"session\":\"" + tag + "\"");
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
