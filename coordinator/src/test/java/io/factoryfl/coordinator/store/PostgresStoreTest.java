package io.factoryfl.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.testing.PostgresServer;
import io.factoryfl.coordinator.testing.PostgresServerExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The store contract on a real PostgreSQL server that the test starts, and PostgreSQL's own rules. */
@ExtendWith(PostgresServerExtension.class)
class PostgresStoreTest extends JobStoreContract {
  private final PostgresServer server;
  private String url;

  PostgresStoreTest(PostgresServer server) {
    this.server = server;
  }

  @Override
  CoordinatorStore open() {
    url = server.createDatabase();
    return PostgresStore.open(url);
  }

  @Override
  boolean durable() {
    return true;
  }

  @Override
  CoordinatorStore reopen(CoordinatorStore closed) {
    return PostgresStore.open(url);
  }

  private static JobSubmission submission(String id) {
    return new JobSubmission(id, "n", "{}", "h", "engineer-1", Instant.ofEpochMilli(1));
  }

  @Test
  void theDescription_namesServerAndUser_butNeverThePassword() {
    String withPassword = url.replace("factoryfl@", "factoryfl:s3cret%2Fpw@");
    try (PostgresStore store = PostgresStore.open(withPassword)) {
      store.create(submission("job-1"));
      assertEquals("PostgreSQL store postgresql://factoryfl@127.0.0.1:" + server.port() + "/"
          + store.url().database(), store.description());
      assertFalse(store.description().contains("s3cret"));
      StoreException e = assertThrows(StoreException.class, () -> store.create(submission("job-1")));
      assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }
  }

  @Test
  void theSchema_isMigratedOnceForTwoCoordinators() {
    try (PostgresStore second = PostgresStore.open(url)) {
      second.create(submission("job-from-second"));
    }
    try (PostgresStore third = PostgresStore.open(url)) {
      assertEquals(List.of("job-from-second"), third.load().stream().map(j -> j.submission().jobId()).toList());
    }
  }

  @Test
  void aDatabaseThatDoesNotExist_isRefusedNamingItAndTheFix() {
    String missing = server.url("no_such_database");
    StoreException e = assertThrows(StoreException.class, () -> PostgresStore.open(missing));
    assertTrue(e.getMessage().startsWith("cannot open the PostgreSQL store " + missing), e.getMessage());
    assertTrue(e.getMessage().contains("no_such_database"), e.getMessage());
  }

  @Test
  void aServerThatIsNotThere_isRefusedNamingHostPortAndDatabase() {
    try (PostgresServer gone = PostgresServer.launch()) {
      String url = gone.createDatabase();
      gone.stop();
      PostgresUrl parsed = PostgresUrl.parse(url);
      long started = System.nanoTime();
      StoreException e = assertThrows(StoreException.class,
          () -> PostgresStore.open(parsed, Duration.ofSeconds(1)));
      assertTrue(e.getMessage().startsWith("cannot open the PostgreSQL store " + url + ": the database could not"
          + " be reached (Connection refused); check that 127.0.0.1:" + gone.port() + "/" + parsed.database()
          + " is up and reachable"), e.getMessage());
      assertTrue(System.nanoTime() - started < Duration.ofSeconds(30).toNanos(), "it does not hang");
    }
  }

  @Test
  void aServerStoppedMidway_failsCallsNamingTheDatabase_andTheSameStoreWorksOnceItIsBack() {
    try (PostgresServer outage = PostgresServer.launch();
        PostgresStore store = PostgresStore.open(PostgresUrl.parse(outage.createDatabase()), Duration.ofSeconds(2))) {
      store.create(submission("job-before"));
      outage.stop();

      StoreException down = assertThrows(StoreException.class, () -> store.create(submission("job-during")));
      assertTrue(down.getMessage().startsWith("cannot record job job-during in the PostgreSQL store"
          + " postgresql://factoryfl@127.0.0.1:" + outage.port() + "/"), down.getMessage());
      assertTrue(down.getMessage().contains("the database at 127.0.0.1:" + outage.port() + "/"
          + store.url().database() + " cannot be reached"), down.getMessage());
      assertTrue(down.getMessage().endsWith("Check that it runs and accepts connections; the coordinator"
          + " reconnects by itself"), down.getMessage());
      assertThrows(StoreException.class, store::load);
      assertTrue(store.unavailable().orElse("").contains("cannot be reached"),
          "the coordinator is not ready while its store is down: " + store.unavailable());

      outage.start();
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (store.unavailable().isPresent() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertEquals(java.util.Optional.empty(), store.unavailable(), "ready again once the server is back");
      store.create(submission("job-after"));
      assertEquals(List.of("job-before", "job-after"),
          store.load().stream().map(j -> j.submission().jobId()).toList(), "new jobs work without a restart");
    }
  }
}
