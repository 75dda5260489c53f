package io.factoryfl.coordinator.strategy;

/**
 * What {@link Strategy#aggregateFit} decided: a new global model, or that the round cannot
 * commit (and why), in which case the previous model stays.
 */
public record FitOutcome(float[] parameters, double trainLoss, long totalExamples, String rejection) {
  public static FitOutcome committed(float[] parameters, double trainLoss, long totalExamples) {
    return new FitOutcome(parameters, trainLoss, totalExamples, null);
  }

  public static FitOutcome notCommitted(String reason) {
    return new FitOutcome(null, Double.NaN, 0, reason);
  }

  public boolean isCommitted() {
    return rejection == null;
  }
}
