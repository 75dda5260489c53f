package io.factoryfl.coordinator.job;

import io.factoryfl.coordinator.registry.ParticipantRegistry;
import io.factoryfl.coordinator.store.ModelStore;
import io.factoryfl.coordinator.task.TaskBoard;
import java.time.Clock;

/**
 * What every job of the coordinator shares: the participants, the tasks in flight, the model
 * store and the clock.
 *
 * @param histogramBins resolution of the score histograms used for federated ROC/PR-AUC
 */
public record Federation(
    ParticipantRegistry registry, TaskBoard board, ModelStore store, Clock clock, int histogramBins) {}
