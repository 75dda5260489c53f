package io.factoryfl.coordinator.store;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A stored model version whose files no longer hash to its name: it is never served. It is a
 * {@link StatusRuntimeException} with {@link Status.Code#DATA_LOSS} on purpose, so that every
 * RPC that asks the store for a model (download, update check) answers the caller with that
 * status and this description instead of an UNKNOWN error. The description names the hash and
 * the file (relative to the data directory), never an absolute path.
 */
public final class CorruptModelException extends StatusRuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient CorruptModel model;

  CorruptModelException(CorruptModel model) {
    super(Status.DATA_LOSS.withDescription(model.description()), null);
    this.model = model;
  }

  /** Which model, which file and what is wrong with it. */
  public CorruptModel model() {
    return model;
  }
}
