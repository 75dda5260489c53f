package io.factoryfl.coordinator.strategy;

/** Train on this participant this round, with these local settings (Flower's FitIns). */
public record FitInstruction(
    String participantId, int localEpochs, int batchSize, double learningRate, long seed) {}
