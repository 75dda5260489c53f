package io.factoryfl.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.params.ModelHash;
import io.factoryfl.core.params.ParameterCodec;
import io.grpc.Status;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** What every {@link ModelStore} promises, whichever keeps the models. */
abstract class ModelStoreContract {
  static final String CONFIG = "{\"layers\":[{\"dense\":3}]}";

  /** A new, empty store. */
  abstract ModelStore open();

  /** The same store, opened again as a restarted (or standby) coordinator would. */
  abstract ModelStore reopen();

  static float[] parameters(int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }

  @Test
  void aStoredModel_isReadBackByItsHash_afterARestart() {
    // more than two chunks of 1 MiB, and not a whole number of them
    float[] parameters = parameters(2 * ParameterCodec.MAX_CHUNK_BYTES / Float.BYTES + 12_345, 7);
    ModelVersion stored = open().put(CONFIG, parameters);
    assertEquals(ModelHash.of(CONFIG, parameters), stored.hash());

    ModelVersion read = reopen().get(stored.hash()).orElseThrow();

    assertEquals(CONFIG, read.configurationJson());
    assertArrayEquals(parameters, read.parameters());
  }

  @Test
  void storingAVersionAgain_isHarmless() {
    ModelStore store = open();
    float[] parameters = parameters(100, 1);
    String hash = store.put(CONFIG, parameters).hash();
    assertEquals(hash, store.put(CONFIG, parameters.clone()).hash());
    assertArrayEquals(parameters, reopen().get(hash).orElseThrow().parameters());
  }

  @Test
  void anEmptyModel_isStoredToo() {
    String hash = open().put(CONFIG, new float[0]).hash();
    assertEquals(0, reopen().get(hash).orElseThrow().parameters().length);
  }

  @Test
  void anUnknownOrMalformedHash_isEmpty_andARequiredOneIsDataLoss() {
    ModelStore store = open();
    assertEquals(Optional.empty(), store.get("0".repeat(64)));
    assertEquals(Optional.empty(), store.get("../models/x"));
    CorruptModelException e = assertThrows(CorruptModelException.class, () -> store.require("0".repeat(64)));
    assertEquals(Status.Code.DATA_LOSS, e.getStatus().getCode());
    assertTrue(e.getMessage().contains("0".repeat(64)) && e.getMessage().contains("is missing"), e.getMessage());
  }
}
