package io.factoryfl.coordinator.store;

import io.factoryfl.core.params.ContentHash;
import io.factoryfl.core.params.ModelHash;
import io.factoryfl.core.params.ParameterCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Model versions in the PostgreSQL store (tables {@code models} and {@code model_chunks},
 * migration V4), so that a standby coordinator serves the models of the one it took over from
 * without a shared disk. A version is written in one fenced transaction (a coordinator that lost
 * its lease cannot add one), its parameters in chunks of {@link ParameterCodec#MAX_CHUNK_BYTES},
 * and checked against its hash whenever it is read from the database.
 */
final class PostgresModelStore implements ModelStore {
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
  private static final int FLOATS_PER_CHUNK = ParameterCodec.MAX_CHUNK_BYTES / Float.BYTES;

  private final JdbcStore store;
  private final RecentModels cache = new RecentModels();

  PostgresModelStore(JdbcStore store) {
    this.store = store;
  }

  @Override
  public ModelVersion put(String configurationJson, float[] parameters) {
    String hash = ModelHash.of(configurationJson, parameters);
    ModelVersion version = new ModelVersion(hash, configurationJson, parameters);
    store.inWriteTransaction("store model " + hash, connection -> {
      try (PreparedStatement insert = connection.prepareStatement("INSERT INTO models (hash, configuration,"
          + " parameter_bytes, chunks) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING")) {
        insert.setString(1, hash);
        insert.setString(2, configurationJson);
        insert.setLong(3, (long) parameters.length * Float.BYTES);
        insert.setInt(4, (parameters.length + FLOATS_PER_CHUNK - 1) / FLOATS_PER_CHUNK);
        if (insert.executeUpdate() == 0) {
          return null; // stored already: content-addressed, so the same bytes
        }
      }
      try (PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO model_chunks (hash, chunk, data) VALUES (?, ?, ?)")) {
        for (int from = 0, chunk = 0; from < parameters.length; from += FLOATS_PER_CHUNK, chunk++) {
          insert.setString(1, hash);
          insert.setInt(2, chunk);
          insert.setBytes(3, ParameterCodec.encode(parameters, from, Math.min(FLOATS_PER_CHUNK,
              parameters.length - from)));
          insert.executeUpdate();
        }
      }
      return null;
    });
    cache.put(version);
    return version;
  }

  @Override
  public Optional<ModelVersion> get(String hash) {
    Optional<ModelVersion> cached = cache.get(hash);
    if (cached.isPresent() || !HASH.matcher(hash).matches()) {
      return cached;
    }
    Optional<ModelVersion> read = store.inTransaction("read model " + hash, connection -> {
      String configuration;
      long bytes;
      int chunks;
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT configuration, parameter_bytes, chunks FROM models WHERE hash = ?")) {
        select.setString(1, hash);
        try (ResultSet rows = select.executeQuery()) {
          if (!rows.next()) {
            return Optional.empty();
          }
          configuration = rows.getString(1);
          bytes = rows.getLong(2);
          chunks = rows.getInt(3);
        }
      }
      if (bytes < 0 || bytes % Float.BYTES != 0 || bytes / Float.BYTES > Integer.MAX_VALUE - 8
          || chunks != (bytes / Float.BYTES + FLOATS_PER_CHUNK - 1) / FLOATS_PER_CHUNK) {
        throw corrupt(hash, "says it has " + bytes + " parameter bytes in " + chunks + " chunks, which no"
            + " stored model can have");
      }
      ByteBuffer parameters = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
      ContentHash parameterHash = new ContentHash();
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT chunk, data FROM model_chunks WHERE hash = ? ORDER BY chunk")) {
        select.setString(1, hash);
        select.setFetchSize(4);
        try (ResultSet rows = select.executeQuery()) {
          int expected = 0;
          while (rows.next()) {
            byte[] data = rows.getBytes(2);
            if (rows.getInt(1) != expected++ || data.length > parameters.remaining()) {
              throw corrupt(hash, "has a missing, extra or oversized chunk " + (expected - 1));
            }
            parameters.put(data);
            parameterHash.update(data);
          }
          if (expected != chunks || parameters.hasRemaining()) {
            throw corrupt(hash, "has " + expected + " of its " + chunks + " chunks");
          }
        }
      }
      String actual = ModelHash.of(configuration, parameterHash.hex());
      if (!actual.equals(hash)) {
        throw corrupt(hash, "was changed in the database: its content hashes to " + actual);
      }
      parameters.flip();
      float[] values = new float[(int) (bytes / Float.BYTES)];
      parameters.asFloatBuffer().get(values);
      return Optional.of(new ModelVersion(hash, configuration, values));
    });
    read.ifPresent(cache::put);
    return read;
  }

  /** The database is not scanned at start (it may hold many large models); each is checked when read. */
  @Override
  public List<CorruptModel> corruptAtStart() {
    return List.of();
  }

  private CorruptModelException corrupt(String hash, String problem) {
    return new CorruptModelException(new CorruptModel(hash, "model " + hash + " in the " + store.description(),
        problem + "; restore the database from a backup"));
  }
}
