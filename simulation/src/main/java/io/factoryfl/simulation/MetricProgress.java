package io.factoryfl.simulation;

import io.factoryfl.coordinator.admin.EventFormat;
import io.factoryfl.proto.v1.RoundEvent;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Follows a job's events for a scenario whose evaluation is a set of named metrics (regression,
 * multi-class): records each committed round with its evaluation and prints one line per round
 * once the evaluation is in; retries, dropouts, rejections and refusals are printed as they come.
 */
final class MetricProgress {
  private final PrintStream out;
  private final List<RoundRecord> rounds;
  private final Function<RoundRecord, String> evaluation;
  private RoundEvent committed;
  private long lastLine = System.nanoTime();

  /** @param evaluation the round's evaluation as printed, e.g. {@code "eval RMSE 14.91  MAE 10.52"} */
  MetricProgress(PrintStream out, List<RoundRecord> rounds, Function<RoundRecord, String> evaluation) {
    this.out = out;
    this.rounds = rounds;
    this.evaluation = evaluation;
  }

  void accept(RoundEvent event) {
    switch (event.getEventCase()) {
      case COMMITTED -> committed = event;
      case EVALUATED -> {
        if (committed != null && committed.getRound() == event.getRound()) {
          record(event.getEvaluated().getMetricsMap());
        }
      }
      case RETRIED, DROPPED, REJECTED, REFUSED -> out.println("  " + EventFormat.line(event));
      case ENDED -> {
        if (committed != null) {
          record(Map.of());
        }
      }
      default -> { }
    }
  }

  private void record(Map<String, Double> metrics) {
    double seconds = (System.nanoTime() - lastLine) / 1e9;
    lastLine = System.nanoTime();
    RoundRecord round = new RoundRecord(committed.getRound(), committed.getCommitted().getParticipantsCount(),
        committed.getCommitted().getTrainLoss(), Double.NaN, Double.NaN, Double.NaN, seconds, metrics);
    rounds.add(round);
    committed = null;
    out.printf(Locale.ROOT, "round %3d  participants %d  train loss %.4f  %s  %.1f s%n", round.round(),
        round.participants(), round.trainLoss(), evaluation.apply(round), round.seconds());
  }
}
