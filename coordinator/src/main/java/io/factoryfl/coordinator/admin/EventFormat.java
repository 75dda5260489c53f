package io.factoryfl.coordinator.admin;

import io.factoryfl.core.text.Printable;
import io.factoryfl.proto.v1.RoundEvent;
import java.util.Locale;

/**
 * One readable line per job event, for terminals and logs. Reasons and names can come from
 * participants, so the line is {@link Printable#escape escaped}: no control character or escape
 * sequence from the server reaches the terminal.
 */
public final class EventFormat {
  private EventFormat() {}

  public static String line(RoundEvent e) {
    return Printable.escape(raw(e));
  }

  private static String raw(RoundEvent e) {
    String prefix = "round " + e.getRound() + ": ";
    return switch (e.getEventCase()) {
      case COMMITTED -> prefix + String.format(Locale.ROOT,
          "committed model %s from %d participants (%d examples), train loss %.4f, %.1f s",
          e.getCommitted().getModelHash().substring(0, 12), e.getCommitted().getParticipantsCount(),
          e.getCommitted().getTotalExamples(), e.getCommitted().getTrainLoss(),
          e.getCommitted().getSeconds());
      case EVALUATED -> prefix + String.format(Locale.ROOT, "evaluated on %d sites (%d examples): %s",
          e.getEvaluated().getParticipants(), e.getEvaluated().getNumExamples(),
          headline(e.getEvaluated()))
          + (e.getEvaluated().getBestRound() > 0 ? "; best round so far " + e.getEvaluated().getBestRound() : "");
      case RETRIED -> prefix + "attempt " + e.getRetried().getAttempt() + " failed, retrying: "
          + e.getRetried().getReason();
      case DROPPED -> prefix + "dropped " + e.getDropped().getParticipant() + ": "
          + e.getDropped().getReason();
      case REJECTED -> prefix + "rejected update from " + e.getRejected().getParticipant() + ": "
          + e.getRejected().getReason();
      case REFUSED -> prefix + e.getRefused().getParticipant() + " refused the task: "
          + e.getRefused().getReason();
      case ENDED -> "job " + e.getJobId() + " ended " + e.getEnded().getState().name()
          .replace("JOB_STATE_", "") + ": " + e.getEnded().getMessage();
      case EVENT_NOT_SET -> prefix + "(empty event)";
    };
  }

  /** The headline metrics a task has, in a fixed order; per-class ones are in the round log. */
  private static final java.util.List<String> HEADLINE = java.util.List.of("loss", "accuracy", "roc_auc",
      "pr_auc", "balanced_accuracy", "macro_f1", "macro_roc_auc", "rmse", "mae", "r2");

  private static String headline(io.factoryfl.proto.v1.EvaluationDone evaluated) {
    java.util.Map<String, Double> metrics = evaluated.getMetricsMap();
    java.util.List<String> parts = new java.util.ArrayList<>();
    for (String name : HEADLINE) {
      Double value = metrics.get(name);
      if (value != null) {
        parts.add(name + " " + String.format(Locale.ROOT, "%.4f", value));
      }
    }
    return String.join(", ", parts);
  }
}
