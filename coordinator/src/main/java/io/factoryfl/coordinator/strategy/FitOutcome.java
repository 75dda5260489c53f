package io.factoryfl.coordinator.strategy;

import io.factoryfl.core.params.WordSource;

/**
 * What {@link Strategy#aggregateFit} decided: a new global model, or that the round cannot
 * commit (and why), in which case the previous model stays. The model is a {@link WordSource} so a
 * large one can be produced chunk by chunk as it is stored; a source made that way may be readable
 * once only.
 */
public record FitOutcome(WordSource model, double trainLoss, long totalExamples, String rejection) {
  public static FitOutcome committed(float[] parameters, double trainLoss, long totalExamples) {
    return new FitOutcome(WordSource.ofFloats(parameters), trainLoss, totalExamples, null);
  }

  public static FitOutcome committed(WordSource model, double trainLoss, long totalExamples) {
    return new FitOutcome(model, trainLoss, totalExamples, null);
  }

  public static FitOutcome notCommitted(String reason) {
    return new FitOutcome(null, Double.NaN, 0, reason);
  }

  public boolean isCommitted() {
    return rejection == null;
  }

  /** The new model's parameters, whole (O(d)); null if the round does not commit. */
  public float[] parameters() {
    return model == null ? null : model.toFloats();
  }
}
