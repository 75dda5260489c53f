package io.factoryfl.simulation.maliciouscoordinator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.secagg.ContributionRule;
import io.factoryfl.proto.v1.SecAggUnmask;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator that pretends to have restarted, to abuse the sites' support for carrying a
 * session on (docs/durability.md): after a round's sum is unmasked it asks the stages again. Asked
 * for the same stage-3 task, each site sends exactly the masked input it sent before (nothing the
 * coordinator did not have); asked with other relayed shares, or for an unmask over a survivor
 * list without the target, or for a new session of the round under the same tag, every site
 * refuses. The coordinator ends with one masked input per site and one sum.
 */
class PretendedRestartAttackTest {
  private static final List<String> COHORT = List.of("plant-1", "plant-2", "plant-3", "plant-4", "plant-5");
  private static final String TARGET = "plant-5";
  private static final String JOB = "job-restart";
  private static final String TAG = JOB + "/r1/a1";

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
  @Timeout(90)
  void askingTheStagesAgain_givesTheSameAnswers_andNothingThatDiffersInOneSite() throws Exception {
    float[] initial = DeviatingFleet.initialModel();
    String base = fleet.publish(initial);
    SecAggStages.Outcome first = stages.run(JOB, 1, TAG, COHORT, base, SecAggStages.train(base, 0.05),
        initial.length);
    assertNull(first.failure(), first.failure());
    Map<String, int[]> sent = new HashMap<>();
    fleet.uploads.forEach(upload -> sent.put(upload.site(), upload.words()));
    assertEquals(COHORT.size(), sent.size());

    // the same stage-3 task again: the same words, nothing new
    Map<String, Object> again = stages.stage(JOB, 1, TAG, "masked-again", COHORT,
        site -> stages.maskedTasks.get(site).toBuilder());
    for (String site : COHORT) {
      assertTrue(again.get(site) instanceof DeviatingFleet.Upload, site + ": " + SecAggStages.reason(again.get(site)));
      assertArrayEquals(sent.get(site), ((DeviatingFleet.Upload) again.get(site)).words(),
          site + " sent the identical masked input again");
    }

    // the unmask request over a survivor list without the target: refused by every site
    List<String> withoutTarget = new ArrayList<>(COHORT);
    withoutTarget.remove(TARGET);
    SecAggUnmask signed = stages.lastUnmask;
    SecAggUnmask split = signed.toBuilder().clearSurvivors().addAllSurvivors(withoutTarget).clearDropped()
        .addDropped(TARGET).build();
    Map<String, Object> reveals = stages.stage(JOB, 1, TAG, "unmask-split", withoutTarget,
        site -> Task.newBuilder().setSecaggUnmask(split));
    reveals.forEach((site, reply) -> assertTrue(SecAggStages.refused(reply),
        site + " revealed its share of the target's masking key: " + reply));

    // stage 3 again for the target with one neighbour's share left out: refused, the session aborted
    Map<String, Object> fewer = stages.stage(JOB, 1, TAG, "masked-fewer", List.of(TARGET), site -> {
      Task task = stages.maskedTasks.get(site);
      return task.toBuilder().setSecaggMaskedInput(task.getSecaggMaskedInput().toBuilder().removeShares(0));
    });
    assertTrue(SecAggStages.refused(fewer.get(TARGET))
        && SecAggStages.reason(fewer.get(TARGET)).contains("relays other shares"), SecAggStages.reason(fewer.get(TARGET)));

    // a new session of the round under the same tag, without the target
    SecAggStages.Outcome rerun = stages.run(JOB, 1, TAG, withoutTarget, base, SecAggStages.train(base, 0.05),
        initial.length);
    assertNull(rerun.sum(), "the coordinator holds no second sum");
    for (String site : withoutTarget) {
      Object reply = rerun.keyReplies().get(site);
      assertTrue(SecAggStages.refused(reply), site + ": " + reply);
      assertTrue(ContributionRule.isRefusal(((TaskResult) reply).getRefusal().getReason()),
          SecAggStages.reason(reply));
    }

    Map<String, List<int[]>> bySite = new HashMap<>();
    fleet.uploads.forEach(upload -> bySite.computeIfAbsent(upload.site(), s -> new ArrayList<>()).add(upload.words()));
    bySite.forEach((site, words) -> words.forEach(w -> assertArrayEquals(sent.get(site), w,
        site + " never sent a second, different masked input")));
    assertFalse(bySite.isEmpty());
  }
}
