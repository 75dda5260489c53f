package io.factoryfl.coordinator.store;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The few model versions read or written last, so a round's model is not read back per site. */
final class RecentModels {
  private static final int SIZE = 8;

  private final Map<String, ModelVersion> versions = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, ModelVersion> eldest) {
      return size() > SIZE;
    }
  };

  synchronized Optional<ModelVersion> get(String hash) {
    return Optional.ofNullable(versions.get(hash));
  }

  synchronized void put(ModelVersion version) {
    versions.put(version.hash(), version);
  }
}
