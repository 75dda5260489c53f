package io.factoryfl.participant.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.secagg.SecAggException;
import io.factoryfl.participant.data.SiteDataException;
import io.factoryfl.proto.v1.RefusalCode;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskRefusal;
import org.junit.jupiter.api.Test;

class RefusalsTest {
  private static final Task TASK = Task.newBuilder().setTaskId("job-1/r1/a1/train/plant-a").build();

  @Test
  void anUnexpectedFailure_isASiteErrorWithoutItsMessage() {
    TaskRefusal refusal = Refusals.of(TASK,
        new IllegalStateException("/plants/berlin/secret.csv row 7: 4711,operator=jane"));

    assertEquals(RefusalCode.SITE_ERROR, refusal.getCode());
    assertEquals("the task failed at the site; plant IT finds the detail in the participant's log"
        + " under task job-1/r1/a1/train/plant-a", refusal.getReason());
  }

  @Test
  void aDataFailure_sendsOnlyItsPublicMessage() {
    TaskRefusal refusal = Refusals.of(TASK, new SiteDataException(SiteDataException.Kind.INVALID,
        "dataset.numeric_features[0]: a value at this site is not a finite number",
        "/plants/berlin/secret.csv line 3: column 'torque_raw' has value 'n/a'"));

    assertEquals(RefusalCode.DATA_INVALID, refusal.getCode());
    assertTrue(refusal.getReason().startsWith("dataset.numeric_features[0]: a value at this site"),
        refusal.getReason());
    assertFalse(refusal.getReason().contains("secret.csv"), refusal.getReason());
    assertFalse(refusal.getReason().contains("torque_raw"), refusal.getReason());
  }

  @Test
  void unavailableData_andProtocolFailures_keepTheirOwnCodes() {
    assertEquals(RefusalCode.DATA_UNAVAILABLE, Refusals.of(TASK, new SiteDataException(
        SiteDataException.Kind.UNAVAILABLE, "dataset 'x' is not in this site's catalogue", "d")).getCode());
    assertEquals(RefusalCode.SECURE_AGGREGATION,
        Refusals.of(TASK, new SecAggException("bad signature from plant-b")).getCode());
    assertEquals(RefusalCode.TASK_INVALID,
        Refusals.of(TASK, TaskRefusedException.invalidTask("learning_rate was NaN")).getCode());
  }

  @Test
  void messages_areOneBoundedLineWithoutControlCharacters() {
    String line = Refusals.oneLine("a\u001b[31m\nb\t c" + "x".repeat(1000));

    assertFalse(line.chars().anyMatch(Character::isISOControl), line);
    assertEquals(Refusals.MAX_MESSAGE_CHARS, line.length());
    assertTrue(line.startsWith("a [31m b c"), line);
  }
}
