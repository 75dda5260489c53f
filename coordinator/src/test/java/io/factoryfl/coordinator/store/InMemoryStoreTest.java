package io.factoryfl.coordinator.store;

/** The store contract in memory (nothing survives a reopen). */
class InMemoryStoreTest extends JobStoreContract {
  @Override
  CoordinatorStore open() {
    return new InMemoryStore();
  }

  @Override
  boolean durable() {
    return false;
  }

  @Override
  CoordinatorStore reopen(CoordinatorStore closed) {
    throw new UnsupportedOperationException("nothing survives in memory");
  }
}
