package io.factoryfl.coordinator.store;

import java.nio.file.Path;

/**
 * Where a coordinator keeps what must survive it: an embedded database in its data directory
 * (the default) beside model files and round logs, PostgreSQL (which holds models and round logs
 * as well, so a coordinator needs no disk of its own), or memory for jobs (tests and benchmarks
 * only: jobs do not survive).
 */
public interface CoordinatorStore extends AutoCloseable {
  /**
   * Opens the store the coordinator's flags name: the embedded store in {@code dataDirectory}
   * without {@code --store}, else the PostgreSQL store at its {@code postgresql://} URL (password
   * from the URL, {@code --store-password-file} or {@code PGPASSWORD}; see {@link StoreFactory}).
   *
   * @param store the --store flag; null or blank for the embedded store
   * @param passwordFile the --store-password-file flag; null if not given
   * @throws IllegalArgumentException if the flags are wrong (the message says which and why)
   * @throws StoreException if the store cannot be opened
   */
  static CoordinatorStore open(String store, Path passwordFile, Path dataDirectory) {
    return StoreFactory.open(store, passwordFile, dataDirectory, System.getenv());
  }

  JobStore jobs();

  /**
   * Where model versions are kept: files in {@code dataDirectory}'s {@code models/} unless the
   * store keeps them itself (PostgreSQL). Call once: a file store checks every model as it opens.
   */
  default ModelStore models(Path dataDirectory) {
    return new FileModelStore(dataDirectory);
  }

  /** Where round logs are kept: files in {@code dataDirectory}'s {@code ledgers/} unless the store keeps them itself. */
  default RoundLogStore roundLogs(Path dataDirectory) {
    return new FileRoundLogs(dataDirectory.resolve("ledgers"));
  }

  /** Where the store is, for people: a directory or a database URL without credentials. */
  String description();

  /**
   * Why the store cannot be used right now (for readiness), or empty when it answers. Cheap: a
   * connection check, no query of the jobs.
   */
  default java.util.Optional<String> unavailable() {
    return java.util.Optional.empty();
  }

  /** Releases the store's connections and locks; idempotent. */
  @Override
  void close();
}
