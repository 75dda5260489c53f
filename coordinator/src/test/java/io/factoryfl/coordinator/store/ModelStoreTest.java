package io.factoryfl.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model files are checked against their hash at start, before serving, and when recommitted. */
class ModelStoreTest {

  static final String CONFIG = "{\"hidden_layers\":[4],\"inputs\":3}";
  static final float[] PARAMETERS = {0.5f, -1.25f, 3f, 0.125f, 7f};

  @TempDir Path data;
  private final List<String> logged = new ArrayList<>();
  private final Logger logger = Logger.getLogger(ModelStore.class.getName());
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      logged.add(record.getLevel() + " " + record.getMessage());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeEach
  void captureLog() {
    logger.addHandler(capture);
  }

  @AfterEach
  void releaseLog() {
    logger.removeHandler(capture);
  }

  private String log() {
    return String.join("\n", logged);
  }

  /** Flips one bit in the middle of a stored file. */
  static void corrupt(Path file) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(file, bytes);
  }

  @Test
  void open_reportsEachCorruptModelNamingTheFileAndWhatToDo() throws Exception {
    String hash = new ModelStore(data).put(CONFIG, PARAMETERS).hash();
    String intact = new ModelStore(data).put(CONFIG, new float[] {1f, 2f}).hash();
    corrupt(data.resolve("models/" + hash + ".params"));

    ModelStore reopened = new ModelStore(data);

    assertEquals(1, reopened.corruptAtStart().size());
    CorruptModel found = reopened.corruptAtStart().get(0);
    assertEquals(hash, found.hash());
    assertEquals("models/" + hash + ".params", found.file());
    assertTrue(log().contains("SEVERE model store " + data.resolve("models") + ": model " + hash
        + " is corrupt on the coordinator: models/" + hash + ".params or models/" + hash
        + ".json was changed: together they hash to "), log());
    assertTrue(log().contains("To repair: restore models/" + hash + ".params"), log());
    assertTrue(!log().contains("model " + intact + " is corrupt"), "the intact model is fine");
  }

  @Test
  void open_reportsAModelWhoseParametersAreMissing() throws Exception {
    String hash = new ModelStore(data).put(CONFIG, PARAMETERS).hash();
    Files.delete(data.resolve("models/" + hash + ".params"));
    CorruptModel found = new ModelStore(data).corruptAtStart().get(0);
    assertEquals("models/" + hash + ".params is missing (its configuration models/" + hash
        + ".json is there)", found.file() + " " + found.problem());
  }

  @Test
  void get_neverServesACorruptModelAndAnswersDataLossNamingTheHash() throws Exception {
    String hash = new ModelStore(data).put(CONFIG, PARAMETERS).hash();
    corrupt(data.resolve("models/" + hash + ".json"));
    ModelStore store = new ModelStore(data);

    CorruptModelException e = assertThrows(CorruptModelException.class, () -> store.get(hash));

    assertEquals(Status.Code.DATA_LOSS, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("model " + hash + " is corrupt on the"
        + " coordinator"), e.getStatus().getDescription());
    assertTrue(e.getStatus().getDescription().endsWith("it is not served"));
    assertTrue(!e.getStatus().getDescription().contains(data.toString()),
        "no absolute path of the coordinator's disk goes to the caller");
  }

  @Test
  void get_unknownOrMalformedHash_isEmpty() {
    ModelStore store = new ModelStore(data);
    assertEquals(Optional.empty(), store.get("0".repeat(64)));
    assertEquals(Optional.empty(), store.get("../../etc/passwd"));
  }

  @Test
  void put_rewritesACorruptModelWhenTheSameModelIsCommittedAgain() throws Exception {
    String hash = new ModelStore(data).put(CONFIG, PARAMETERS).hash();
    Path params = data.resolve("models/" + hash + ".params");
    corrupt(params);
    ModelStore store = new ModelStore(data);
    assertEquals(1, store.corruptAtStart().size());

    assertEquals(hash, store.put(CONFIG, PARAMETERS).hash());

    assertTrue(log().contains("WARNING model store " + data.resolve("models") + ": rewrote model "
        + hash + " as it was committed again; its stored files were corrupt"), log());
    ModelStore reopened = new ModelStore(data);
    assertEquals(List.of(), reopened.corruptAtStart());
    assertArrayEquals(PARAMETERS, reopened.get(hash).orElseThrow().parameters());
  }

  @Test
  void put_rewritesAMissingConfigurationWhenTheSameModelIsCommittedAgain() throws Exception {
    String hash = new ModelStore(data).put(CONFIG, PARAMETERS).hash();
    Files.delete(data.resolve("models/" + hash + ".json"));

    new ModelStore(data).put(CONFIG, PARAMETERS);

    assertEquals(CONFIG, Files.readString(data.resolve("models/" + hash + ".json")));
    assertEquals(CONFIG, new ModelStore(data).get(hash).orElseThrow().configurationJson());
  }
}
