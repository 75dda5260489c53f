package io.factoryfl.coordinator.strategy;

import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test fixture: job specs with a robust_aggregation block and one plain round through a strategy. */
final class Rounds {
  private Rounds() {}

  /** One update as a site sends it: full parameters and a claimed example count. */
  record Update(float[] parameters, long numExamples) {}

  static JobSpec spec(int min, int max, String robust) {
    return JobSpecParser.parse("""
        {"name": "t", "model": {"template": "mlp", "hidden_layers": [2]},
         "dataset": {"name": "d", "numeric_features": ["x"], "label": "y"},
         "participants": {"min": %d, "max": %d}, "seed": 3,
         "secure_aggregation": {"enabled": false}%s}"""
        .formatted(min, max, robust == null ? "" : ", \"robust_aggregation\": " + robust));
  }

  /** The strategy the coordinator builds for {@code spec}, for a model of {@code dimension}. */
  static Strategy strategy(JobSpec spec, int dimension) {
    return RobustStrategies.wrap(new FedAvg(spec, 10), spec, dimension);
  }

  /** Runs one plain round: every update through the aggregation, then aggregateFit. */
  static FitOutcome round(Strategy strategy, float[] base, List<Update> updates) {
    Aggregation aggregation = strategy.beginFit(1, base);
    List<FitResult> results = new ArrayList<>();
    int i = 0;
    for (Update update : updates) {
      aggregation.accept(update.parameters(), update.numExamples());
      results.add(new FitResult("site-" + i++, update.numExamples(), Map.of("train_loss", 0.5)));
    }
    return strategy.aggregateFit(1, base, aggregation, results, List.of());
  }

  static float[] parameters(Strategy strategy, float[] base, List<Update> updates) {
    FitOutcome outcome = round(strategy, base, updates);
    if (!outcome.isCommitted()) {
      throw new AssertionError("round not committed: " + outcome.rejection());
    }
    return outcome.parameters();
  }

  static double distance(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      double diff = (double) a[i] - b[i];
      sum += diff * diff;
    }
    return Math.sqrt(sum);
  }
}
