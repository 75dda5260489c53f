package io.factoryfl.participant.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.SequenceSpec;
import io.factoryfl.proto.v1.DatasetBinding;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A task's dataset.sequence, checked at the site as the coordinator's spec parser checks it. */
class TaskChecksSequenceTest {
  private static DatasetBinding.Builder binding() {
    return DatasetBinding.newBuilder().setName("turbofan").addNumericFeatures("s1").setLabelColumn("rul")
        .setTask("regression");
  }

  private static void assertInvalid(DatasetBinding binding, String words) {
    TaskRefusedException e = assertThrows(TaskRefusedException.class, () -> TaskChecks.binding(binding));
    assertTrue(e.getMessage().contains(words), e.getMessage());
  }

  @Test
  void aTaskWithoutSequenceFields_windowsNothing_andAWellFormedOneIsRead() {
    assertEquals(Optional.empty(), TaskChecks.sequence(binding().build()));
    DatasetBinding windowed = binding().setSequenceGroup("unit").setSequenceOrder("cycle").setSequenceWindow(30)
        .setSequenceEvalRows("last").build();
    TaskChecks.binding(windowed);
    assertEquals(Optional.of(new SequenceSpec("unit", "cycle", 30, SequenceSpec.EvalRows.LAST)),
        TaskChecks.sequence(windowed));
  }

  @Test
  void malformedSequences_areRefusedAsInvalidTasks() {
    assertInvalid(binding().setSequenceGroup("unit").setSequenceOrder("cycle").build(), "window must be between 1");
    assertInvalid(binding().setSequenceGroup("unit").setSequenceOrder("cycle").setSequenceWindow(5000).build(),
        "5000");
    assertInvalid(binding().setSequenceGroup("unit").setSequenceWindow(3).build(), "dataset.sequence");
    assertInvalid(binding().setSequenceGroup("unit").setSequenceOrder("unit").setSequenceWindow(3).build(),
        "two columns");
    assertInvalid(binding().setSequenceGroup("s1").setSequenceOrder("cycle").setSequenceWindow(3).build(),
        "also a feature or the label");
    assertInvalid(binding().setSequenceGroup("unit").setSequenceOrder("cycle").setSequenceWindow(3)
        .setSequenceEvalRows("first").build(), "eval_rows is 'first'");
  }
}
