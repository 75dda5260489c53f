package io.factoryfl.coordinator.store;

import io.factoryfl.core.params.WordSource;
import java.util.List;
import java.util.Optional;

/**
 * Content-addressed model versions: a DL4J configuration and its parameters, named by {@link
 * io.factoryfl.core.params.ModelHash} of both. Kept in files of the data directory ({@link
 * FileModelStore}) or in PostgreSQL ({@link PostgresModelStore}); either way a version is checked
 * against its hash whenever it is read, so damage shows as a {@link CorruptModelException}
 * (DATA_LOSS naming the hash), never as a wrong model. Thread-safe.
 */
public interface ModelStore {
  /**
   * Stores a model version durably and returns it with its hash; storing a version again is
   * harmless.
   */
  ModelVersion put(String configurationJson, float[] parameters);

  /**
   * As {@link #put(String, float[])}, with the parameters read once, chunk by chunk: the file
   * store writes them to disk as they come, so a large model is stored without being held whole.
   * The database store holds them whole (O(d)) while it writes.
   */
  default ModelVersion put(String configurationJson, WordSource parameters) {
    return put(configurationJson, parameters.toFloats());
  }

  /**
   * Loads a version by hash, verifying its stored bytes still hash to it.
   *
   * @return empty if no model has that hash
   * @throws CorruptModelException (DATA_LOSS) if the stored bytes do not hash to it
   */
  Optional<ModelVersion> get(String hash);

  /**
   * Loads a version that must be stored (a committed round's model), verifying it.
   *
   * @throws CorruptModelException (DATA_LOSS) naming the hash if it is missing or damaged
   */
  default ModelVersion require(String hash) {
    return get(hash).orElseThrow(() -> new CorruptModelException(new CorruptModel(hash, "model " + hash,
        "is missing (a committed model); restore the coordinator's models from a backup")));
  }

  /** The models found corrupt when the store opened, by hash; empty if the store checks on read only. */
  List<CorruptModel> corruptAtStart();
}
