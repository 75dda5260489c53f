package io.factoryfl.coordinator.store;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The model versions read or written last, so a round's model is not read back for every site:
 * bounded in bytes, not in count, so large models cannot fill the heap. The least recently used
 * go first; a model larger than the whole budget is not kept at all (it is read from the store
 * each time).
 */
final class RecentModels {
  /** 256 MiB: a few rounds of a model of 10^7 parameters, or none of one of 10^8. */
  static final long DEFAULT_BYTES = 256L << 20;

  private final long maxBytes;
  private final Map<String, ModelVersion> versions = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;

  RecentModels() {
    this(DEFAULT_BYTES);
  }

  RecentModels(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must be >= 0, was " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  synchronized Optional<ModelVersion> get(String hash) {
    return Optional.ofNullable(versions.get(hash));
  }

  /** Keeps a version held in memory; one that reads its parameters from the store is not kept. */
  synchronized void put(ModelVersion version) {
    long size = sizeOf(version);
    if (!version.inMemory()) {
      return;
    }
    if (versions.containsKey(version.hash()) || size > maxBytes) {
      return;
    }
    versions.put(version.hash(), version);
    bytes += size;
    Iterator<ModelVersion> eldest = versions.values().iterator();
    while (bytes > maxBytes && eldest.hasNext()) {
      bytes -= sizeOf(eldest.next());
      eldest.remove();
    }
  }

  /** Bytes the cache holds (parameters and configurations). */
  /** Whether a model of {@code dimension} parameters could be kept at all. */
  boolean fits(long dimension) {
    return dimension * Float.BYTES <= maxBytes;
  }

  synchronized long bytes() {
    return bytes;
  }

  private static long sizeOf(ModelVersion version) {
    return (long) version.dimension() * Float.BYTES + 2L * version.configurationJson().length();
  }
}
