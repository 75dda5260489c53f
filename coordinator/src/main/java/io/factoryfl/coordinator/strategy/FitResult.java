package io.factoryfl.coordinator.strategy;

import java.util.Map;

/**
 * The metadata of an update already folded into the round's {@link Aggregation} (Flower's FitRes
 * without the parameters, which were streamed into the aggregate).
 */
public record FitResult(String participantId, long numExamples, Map<String, Double> metrics) {
  public FitResult {
    metrics = Map.copyOf(metrics);
  }
}
