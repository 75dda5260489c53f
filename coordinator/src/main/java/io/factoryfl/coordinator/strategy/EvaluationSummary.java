package io.factoryfl.coordinator.strategy;

/**
 * The federation-wide evaluation of a round's model: metrics over the union of the sites'
 * held-out data, computed from their pooled score histograms.
 */
public record EvaluationSummary(
    int participants, long numExamples, double loss, double accuracy, double rocAuc, double prAuc) {}
