package io.factoryfl.coordinator.strategy;

/** A participant that was asked and gave nothing usable, and why; an input, never an exception. */
public record Failure(String participantId, String kind, String reason) {}
