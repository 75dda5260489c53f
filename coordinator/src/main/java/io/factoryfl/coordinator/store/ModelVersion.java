package io.factoryfl.coordinator.store;

/**
 * One committed global model: its configuration and parameters, identified by {@link
 * io.factoryfl.core.params.ModelHash} of its configuration and parameters. The parameter array is shared, not copied, because models can be large; nobody
 * may modify it.
 */
public record ModelVersion(String hash, String configurationJson, float[] parameters) {
  public int dimension() {
    return parameters.length;
  }
}
