package io.factoryfl.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on the embedded SQLite store of a data directory, and its own rules. */
class EmbeddedStoreTest extends JobStoreContract {
  @TempDir
  Path directory;

  @Override
  CoordinatorStore open() {
    return EmbeddedStore.open(directory);
  }

  @Override
  boolean durable() {
    return true;
  }

  @Override
  CoordinatorStore reopen(CoordinatorStore closed) {
    return EmbeddedStore.open(directory);
  }

  @Test
  void aSecondCoordinatorOnTheSameDirectory_isRefused() {
    StoreException e = assertThrows(StoreException.class, () -> EmbeddedStore.open(directory));
    assertTrue(e.getMessage().contains("in use by another coordinator")
        && e.getMessage().contains(directory.toAbsolutePath().toString()), e.getMessage());
  }

  @Test
  void theStoreIsOneFileInTheDataDirectory() {
    assertTrue(Files.isRegularFile(directory.resolve(EmbeddedStore.DATABASE)));
  }

  @Test
  void aDamagedCheckpoint_isReportedWithTheJobAndTheFix(@TempDir Path other) throws Exception {
    try (EmbeddedStore store = EmbeddedStore.open(other)) {
      store.create(new JobSubmission("job-9", "n", "{}", "h", "me", Instant.EPOCH));
      store.inTransaction("damage", connection -> {
        try (var update = connection.prepareStatement("UPDATE jobs SET checkpoint_json = '{\"state\":\"BOGUS\"}'")) {
          return update.executeUpdate();
        }
      });
      StoreException e = assertThrows(StoreException.class, store::load);
      assertTrue(e.getMessage().contains("job job-9") && e.getMessage().contains("restore the store from a backup"),
          e.getMessage());
    }
    assertEquals(1, 1);
  }
}
