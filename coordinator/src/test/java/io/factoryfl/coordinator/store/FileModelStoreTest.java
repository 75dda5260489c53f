package io.factoryfl.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Model files are checked against their hash at start, before serving, and when recommitted. */
class FileModelStoreTest {

  static final String CONFIG = "{\"hidden_layers\":[4],\"inputs\":3}";
  static final float[] PARAMETERS = {0.5f, -1.25f, 3f, 0.125f, 7f};

  @TempDir Path data;
  private final Logger logger = (Logger) LoggerFactory.getLogger(FileModelStore.class);
  private final ListAppender<ILoggingEvent> capture = new ListAppender<>();

  @BeforeEach
  void captureLog() {
    capture.start();
    logger.addAppender(capture);
    logger.setLevel(Level.INFO);
  }

  @AfterEach
  void releaseLog() {
    logger.detachAppender(capture);
    logger.setLevel(null);
  }

  private String log() {
    return String.join("\n", capture.list.stream()
        .map(event -> event.getLevel() + " " + event.getFormattedMessage()).toList());
  }

  /** Flips one bit in the middle of a stored file. */
  static void corrupt(Path file) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(file, bytes);
  }

  @Test
  void open_reportsEachCorruptModelNamingTheFileAndWhatToDo() throws Exception {
    String hash = new FileModelStore(data).put(CONFIG, PARAMETERS).hash();
    String intact = new FileModelStore(data).put(CONFIG, new float[] {1f, 2f}).hash();
    corrupt(data.resolve("models/" + hash + ".params"));

    ModelStore reopened = new FileModelStore(data);

    assertEquals(1, reopened.corruptAtStart().size());
    CorruptModel found = reopened.corruptAtStart().get(0);
    assertEquals(hash, found.hash());
    assertEquals("models/" + hash + ".params", found.file());
    assertTrue(log().contains("ERROR model store " + data.resolve("models") + ": model " + hash
        + " is corrupt on the coordinator: models/" + hash + ".params or models/" + hash
        + ".json was changed: together they hash to "), log());
    assertTrue(log().contains("To repair: restore models/" + hash + ".params"), log());
    assertTrue(!log().contains("model " + intact + " is corrupt"), "the intact model is fine");
  }

  @Test
  void open_reportsAModelWhoseParametersAreMissing() throws Exception {
    String hash = new FileModelStore(data).put(CONFIG, PARAMETERS).hash();
    Files.delete(data.resolve("models/" + hash + ".params"));
    CorruptModel found = new FileModelStore(data).corruptAtStart().get(0);
    assertEquals("models/" + hash + ".params is missing (its configuration models/" + hash
        + ".json is there)", found.file() + " " + found.problem());
  }

  @Test
  void get_neverServesACorruptModelAndAnswersDataLossNamingTheHash() throws Exception {
    String hash = new FileModelStore(data).put(CONFIG, PARAMETERS).hash();
    corrupt(data.resolve("models/" + hash + ".json"));
    ModelStore store = new FileModelStore(data);

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
    ModelStore store = new FileModelStore(data);
    assertEquals(Optional.empty(), store.get("0".repeat(64)));
    assertEquals(Optional.empty(), store.get("../../etc/passwd"));
  }

  @Test
  void put_rewritesACorruptModelWhenTheSameModelIsCommittedAgain() throws Exception {
    String hash = new FileModelStore(data).put(CONFIG, PARAMETERS).hash();
    Path params = data.resolve("models/" + hash + ".params");
    corrupt(params);
    ModelStore store = new FileModelStore(data);
    assertEquals(1, store.corruptAtStart().size());

    assertEquals(hash, store.put(CONFIG, PARAMETERS).hash());

    assertTrue(log().contains("WARN model store " + data.resolve("models") + ": rewrote model "
        + hash + " as it was committed again; its stored files were corrupt"), log());
    ModelStore reopened = new FileModelStore(data);
    assertEquals(List.of(), reopened.corruptAtStart());
    assertArrayEquals(PARAMETERS, reopened.get(hash).orElseThrow().parameters());
  }

  @Test
  void put_rewritesAMissingConfigurationWhenTheSameModelIsCommittedAgain() throws Exception {
    String hash = new FileModelStore(data).put(CONFIG, PARAMETERS).hash();
    Files.delete(data.resolve("models/" + hash + ".json"));

    new FileModelStore(data).put(CONFIG, PARAMETERS);

    assertEquals(CONFIG, Files.readString(data.resolve("models/" + hash + ".json")));
    assertEquals(CONFIG, new FileModelStore(data).get(hash).orElseThrow().configurationJson());
  }

  @Test
  void modelLargerThanTheCache_isWrittenAndServedFromItsFileInChunks(@TempDir Path other) {
    float[] values = new float[300_000]; // more than one chunk of 65,536 words
    for (int i = 0; i < values.length; i++) {
      values[i] = i * 0.25f - 7f;
    }
    FileModelStore small = new FileModelStore(data, 0);
    ModelVersion stored = small.put("{}", io.factoryfl.core.params.WordSource.ofFloats(values));

    assertEquals(new FileModelStore(other).put("{}", values).hash(), stored.hash(),
        "the same content hash as a model stored whole");
    ModelVersion read = new FileModelStore(data, 0).get(stored.hash()).orElseThrow();
    assertTrue(!read.inMemory(), "served from its file, not loaded");
    assertArrayEquals(values, read.parameters());
    assertArrayEquals(java.util.Arrays.copyOfRange(io.factoryfl.core.params.ParameterCodec.encode(values),
        4 * 70_000, 4 * 70_010), read.bytes(70_000, 10));
  }
}
