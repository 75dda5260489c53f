package io.factoryfl.coordinator.store;

/**
 * Where a coordinator keeps what must survive it: an embedded database in its data directory
 * (the default), PostgreSQL, or memory (tests and benchmarks only: nothing survives).
 */
public interface CoordinatorStore extends AutoCloseable {
  JobStore jobs();

  /** Where the store is, for people: a directory or a database URL without credentials. */
  String description();

  /** Releases the store's connections and locks; idempotent. */
  @Override
  void close();
}
