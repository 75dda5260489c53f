package io.factoryfl.core.params;

import java.nio.charset.StandardCharsets;

/**
 * The identity of a model version: SHA-256 over its configuration and the hash of its parameter
 * bytes. Two jobs whose models start from equal weights but differ in configuration (say, the
 * activation function) therefore never share a version.
 */
public final class ModelHash {
  private static final byte[] DOMAIN = "factoryfl-model-v1\0".getBytes(StandardCharsets.US_ASCII);

  private ModelHash() {}

  /**
   * @param parameterHash hex SHA-256 of the little-endian float32 parameter bytes ({@link
   *     ParameterCodec#hash})
   */
  public static String of(String configurationJson, String parameterHash) {
    return new ContentHash().update(DOMAIN)
        .update(configurationJson.getBytes(StandardCharsets.UTF_8))
        .update(new byte[] {0})
        .update(parameterHash.getBytes(StandardCharsets.US_ASCII))
        .hex();
  }

  public static String of(String configurationJson, float[] parameters) {
    return of(configurationJson, ParameterCodec.hash(parameters));
  }
}
