package io.factoryfl.coordinator.registry;

import java.time.Instant;
import java.util.List;

/** What the coordinator knows about a connected participant: its identity and dataset names. */
public record ParticipantInfo(String id, List<String> datasets, Instant registeredAt) {
  public ParticipantInfo {
    datasets = List.copyOf(datasets);
  }

  public boolean offers(String dataset) {
    return datasets.contains(dataset);
  }
}
