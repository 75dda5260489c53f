package io.factoryfl.coordinator.strategy;

import io.factoryfl.core.metrics.ScoreHistogram;

/** One site's evaluation of the global model on its held-out data (aggregates only). */
public record EvaluateResult(
    String participantId, long numExamples, double lossSum, long correct, ScoreHistogram histogram) {}
