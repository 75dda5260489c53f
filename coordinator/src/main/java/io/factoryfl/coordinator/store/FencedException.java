package io.factoryfl.coordinator.store;

/**
 * A write of the PostgreSQL store was refused because this coordinator does not hold the store's
 * lease (any more): another coordinator took over, the lease expired without renewal, or this one
 * is the standby. Nothing of the write happened. The coordinator must stop writing; only the
 * lease's holder runs jobs.
 */
public final class FencedException extends StoreException {
  public FencedException(String message) {
    super(message);
  }
}
