package io.factoryfl.coordinator.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.factoryfl.proto.v1.RoundEvent;
import io.factoryfl.proto.v1.TaskRefused;
import org.junit.jupiter.api.Test;

/** Nothing a participant sends can drive an engineer's terminal through {@code job watch}. */
class EventFormatTest {
  @Test
  void eventLine_escapesARefusalReasonFromAParticipant() {
    RoundEvent event = RoundEvent.newBuilder().setRound(2).setRefused(TaskRefused.newBuilder()
        .setParticipant("site-a").setReason("\u001b]0;pwned\u0007bad cell")).build();

    assertEquals("round 2: site-a refused the task: \\u001b]0;pwned\\u0007bad cell",
        EventFormat.line(event));
  }

  @Test
  void evaluationLine_namesTheBestRoundSoFarOfASelectJob() {
    RoundEvent event = RoundEvent.newBuilder().setRound(5).setEvaluated(io.factoryfl.proto.v1.EvaluationDone
        .newBuilder().setParticipants(2).setNumExamples(8).putMetrics("loss", 0.25).setBestRound(3)).build();

    assertEquals("round 5: evaluated on 2 sites (8 examples): loss 0.2500; best round so far 3",
        EventFormat.line(event));
  }
}
