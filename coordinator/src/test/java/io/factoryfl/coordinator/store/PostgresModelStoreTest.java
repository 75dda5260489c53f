package io.factoryfl.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.testing.PostgresServer;
import io.factoryfl.coordinator.testing.PostgresServerExtension;
import io.grpc.Status;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The model-store contract on a real PostgreSQL server, so a standby coordinator reads the models
 * of the active one without a shared disk; damage in the database is caught, and a deposed
 * coordinator cannot add a model.
 */
@ExtendWith(PostgresServerExtension.class)
class PostgresModelStoreTest extends ModelStoreContract {
  private final PostgresDatabase database;

  PostgresModelStoreTest(PostgresServer server) {
    this.database = new PostgresDatabase(server);
  }

  @AfterEach
  void closeStores() {
    database.close();
  }

  @Override
  ModelStore open() {
    return database.fresh().models(PostgresDatabase.NO_DATA_DIRECTORY);
  }

  @Override
  ModelStore reopen() {
    return database.open().models(PostgresDatabase.NO_DATA_DIRECTORY);
  }

  @Test
  void aChunkChangedInTheDatabase_isDataLossNamingTheModel_neverAWrongModel() throws Exception {
    String hash = open().put(CONFIG, parameters(1000, 3)).hash();
    database.execute("UPDATE model_chunks SET data = overlay(data placing '\\x00'::bytea from 17) WHERE hash = '" + hash + "'");

    CorruptModelException e = assertThrows(CorruptModelException.class, () -> reopen().get(hash));

    assertEquals(Status.Code.DATA_LOSS, e.getStatus().getCode());
    assertTrue(e.getMessage().contains("model " + hash + " is corrupt on the coordinator")
        && e.getMessage().contains("its content hashes to ")
        && e.getMessage().contains("restore the database from a backup"), e.getMessage());
  }

  @Test
  void aMissingChunk_isDataLoss() throws Exception {
    String hash = open().put(CONFIG, parameters(300_000, 4)).hash();
    database.execute("DELETE FROM model_chunks WHERE hash = '" + hash + "' AND chunk = 1");

    CorruptModelException e = assertThrows(CorruptModelException.class, () -> reopen().get(hash));

    assertTrue(e.getMessage().contains("has 1 of its 2 chunks"), e.getMessage());
  }

  @Test
  void aDeposedCoordinator_cannotAddAModel() throws Exception {
    PostgresStore active = database.fresh();
    PostgresStore standby = database.open();
    LeaseSettings quick = new LeaseSettings("coordinator-a", Duration.ofSeconds(1), Duration.ofMillis(200),
        Duration.ofMillis(100));
    active.lease(quick).acquire();
    CoordinatorLease second = standby.lease(new LeaseSettings("coordinator-b", Duration.ofSeconds(1),
        Duration.ofMillis(200), Duration.ofMillis(100)));
    active.close(); // releases the lease: the standby takes over
    assertTrue(second.acquire(Duration.ofSeconds(10)));
    PostgresStore deposed = database.open();
    deposed.lease(quick); // a coordinator that is not the holder fences its writes
    float[] parameters = parameters(10, 5);

    assertThrows(FencedException.class, () -> deposed.models(PostgresDatabase.NO_DATA_DIRECTORY).put(CONFIG, parameters));

    assertEquals(Optional.empty(), standby.models(PostgresDatabase.NO_DATA_DIRECTORY).get(
        io.factoryfl.core.params.ModelHash.of(CONFIG, parameters)), "nothing of it was written");
  }
}
