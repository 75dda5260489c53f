package io.factoryfl.coordinator.job;

import io.factoryfl.coordinator.registry.ParticipantRegistry;
import io.factoryfl.coordinator.store.ModelStore;
import io.factoryfl.coordinator.task.TaskBoard;
import java.time.Clock;

/**
 * What every job of the coordinator shares: the participants, the tasks in flight, the model
 * store, the clock, and where round logs go and who signs them.
 *
 * @param histogramBins resolution of the score histograms used for federated ROC/PR-AUC
 * @param roundLogs where the jobs' round logs are kept (files of the data directory, or the database)
 * @param identity the coordinator's signing identity (signs round logs and receipts)
 * @param revocations the CA's signed revocation list, relayed to sites in secure rounds
 * @param metrics the coordinator's meters (rounds, dropouts, stages), served on /metrics
 */
public record Federation(
    ParticipantRegistry registry, TaskBoard board, ModelStore store, Clock clock, int histogramBins,
    io.factoryfl.coordinator.store.RoundLogStore roundLogs, io.factoryfl.core.security.SigningIdentity identity,
    io.factoryfl.coordinator.enrol.RelayedRevocations revocations,
    io.factoryfl.coordinator.metrics.CoordinatorMetrics metrics) {

  /** With meters of its own, which nothing serves. */
  public Federation(ParticipantRegistry registry, TaskBoard board, ModelStore store, Clock clock,
      int histogramBins, io.factoryfl.coordinator.store.RoundLogStore roundLogs, io.factoryfl.core.security.SigningIdentity identity,
      io.factoryfl.coordinator.enrol.RelayedRevocations revocations) {
    this(registry, board, store, clock, histogramBins, roundLogs, identity, revocations,
        io.factoryfl.coordinator.metrics.CoordinatorMetrics.fresh());
  }

  /** Without a revocation list to relay (sites refuse secure rounds). */
  public Federation(ParticipantRegistry registry, TaskBoard board, ModelStore store, Clock clock,
      int histogramBins, io.factoryfl.coordinator.store.RoundLogStore roundLogs,
      io.factoryfl.core.security.SigningIdentity identity) {
    this(registry, board, store, clock, histogramBins, roundLogs, identity,
        io.factoryfl.coordinator.enrol.RelayedRevocations.none());
  }
}
