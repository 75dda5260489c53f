package io.factoryfl.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.factoryfl.coordinator.testing.ReadOnlyDirectory;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the operator reads when the coordinator's files cannot be written, from real operating-system errors. */
class StoreFailuresTest {
  @TempDir Path data;

  @Test
  void aFullDisk_isNamedWithTheFix() {
    Path full = Path.of("/dev/full"); // every write to it fails with ENOSPC, as on a full disk
    assumeTrue(Files.isWritable(full), "no /dev/full on this system");
    IOException e = assertThrows(IOException.class, () -> {
      try (FileOutputStream out = new FileOutputStream(full.toFile())) {
        out.write(new byte[4096]);
        out.getFD().sync();
      }
    });

    StoreException failure = StoreFailures.files("store model abc", "model store in /var/lib/factoryfl/models",
        "/var/lib/factoryfl/models", e);

    assertEquals("cannot store model abc in the model store in /var/lib/factoryfl/models: the disk holding"
        + " /var/lib/factoryfl/models is full. Free space there; new jobs work again without a restart",
        failure.getMessage());
  }

  @Test
  void aDirectoryTheCoordinatorCannotWrite_isNamedWithTheFix() throws Exception {
    Path models = Files.createDirectories(data.resolve("models"));
    try (ReadOnlyDirectory readOnly = ReadOnlyDirectory.of(models)) {
      FileModelStore store = new FileModelStore(data);

      StoreException failure = assertThrows(StoreException.class, () -> store.put("{}", new float[] {1f}));

      assertTrue(failure.getMessage().startsWith("cannot store model ") && failure.getMessage().contains(
          " in the model store in " + models + ": " + models + " is read-only or not writable by the coordinator's"
              + " user ("), failure.getMessage());
      assertTrue(failure.getMessage().endsWith("). Make it writable; new jobs work again without a restart"),
          failure.getMessage());
    }
    assertEquals(1, new FileModelStore(data).put("{}", new float[] {1f}).parameters().length,
        "writable again: the same store works without a restart");
  }

  @Test
  void aDatabaseFailureInsideAnIoError_isPassedOnAsItIs() {
    StoreException database = new StoreException("cannot append record 3 to the round log of job j in the"
        + " PostgreSQL store postgresql://u@h:5432/d: the database at h:5432/d cannot be reached", null);

    assertEquals(database, StoreFailures.files("write a round_opened record", "round log x", "x",
        new IOException(database.getMessage(), database)));
  }
}
