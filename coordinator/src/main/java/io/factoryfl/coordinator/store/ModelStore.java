package io.factoryfl.coordinator.store;

import io.factoryfl.core.io.AtomicFiles;
import io.factoryfl.core.params.ModelHash;
import io.factoryfl.core.params.ParameterCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Content-addressed model versions on disk.
 *
 * <p>Layout under the store directory: {@code models/<hash>.params} holds the parameters as
 * little-endian float32 and {@code models/<hash>.json} the DL4J configuration; the hash is {@link
 * ModelHash} of both. Files are written to a temporary name, forced to disk, then atomically
 * renamed, so a crash never leaves a truncated model under a real hash. A version is immutable
 * once written; writing the same hash again is a no-op.
 */
public final class ModelStore {
  private static final int CACHE_SIZE = 8;

  private final Path directory;
  private final Map<String, ModelVersion> cache =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ModelVersion> eldest) {
          return size() > CACHE_SIZE;
        }
      };

  public ModelStore(Path directory) {
    this.directory = directory.resolve("models");
    try {
      Files.createDirectories(this.directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create model store directory " + this.directory, e);
    }
  }

  /** Stores a model version and returns it with its hash. */
  public synchronized ModelVersion put(String configurationJson, float[] parameters) {
    String hash = ModelHash.of(configurationJson, parameters);
    ModelVersion version = new ModelVersion(hash, configurationJson, parameters);
    Path params = directory.resolve(hash + ".params");
    if (!Files.exists(params)) {
      try {
        writeAtomically(directory.resolve(hash + ".json"),
            configurationJson.getBytes(StandardCharsets.UTF_8));
        writeAtomically(params, ParameterCodec.encode(parameters));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write model " + hash + " to " + directory, e);
      }
    }
    cache.put(hash, version);
    return version;
  }

  /** Loads a version by hash, verifying the bytes on disk still hash to it. */
  public synchronized Optional<ModelVersion> get(String hash) {
    ModelVersion cached = cache.get(hash);
    if (cached != null) {
      return Optional.of(cached);
    }
    if (!hash.matches("[0-9a-f]{64}")) {
      return Optional.empty();
    }
    Path params = directory.resolve(hash + ".params");
    if (!Files.exists(params)) {
      return Optional.empty();
    }
    try {
      byte[] bytes = Files.readAllBytes(params);
      float[] parameters = ParameterCodec.decode(bytes);
      String config = Files.readString(directory.resolve(hash + ".json"), StandardCharsets.UTF_8);
      String actual = ModelHash.of(config, parameters);
      if (!actual.equals(hash)) {
        throw new IllegalStateException("model files " + params + " and .json are corrupt: they hash to "
            + actual + "; restore them from a backup");
      }
      ModelVersion version = new ModelVersion(hash, config, parameters);
      cache.put(hash, version);
      return Optional.of(version);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read model " + hash + " from " + directory, e);
    }
  }

  private static void writeAtomically(Path target, byte[] bytes) throws IOException {
    AtomicFiles.write(target, bytes, null);
  }

}
