package io.factoryfl.coordinator.store;

import io.factoryfl.coordinator.testing.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * One test's database on the shared PostgreSQL test server, the stores opened on it (as several
 * coordinators would), and direct SQL to damage it as a careless operator might. Closed after each test.
 */
final class PostgresDatabase implements AutoCloseable {
  /** A data directory no PostgreSQL store may use for models or round logs. */
  static final Path NO_DATA_DIRECTORY = Path.of("/nonexistent/not-used-by-postgresql");

  private final PostgresServer server;
  private final List<PostgresStore> opened = new ArrayList<>();
  private String url;

  PostgresDatabase(PostgresServer server) {
    this.server = server;
  }

  /** Makes a new, empty database and opens a store on it. */
  PostgresStore fresh() {
    url = server.createDatabase();
    return open();
  }

  /** Opens another store on the current database, as another coordinator (or a restart) would. */
  PostgresStore open() {
    PostgresStore store = PostgresStore.open(url);
    opened.add(store);
    return store;
  }

  void execute(String sql) throws Exception {
    PostgresUrl parsed = PostgresUrl.parse(url);
    try (Connection connection = DriverManager.getConnection(parsed.jdbcUrl(), parsed.user().orElse(null), null);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  @Override
  public void close() {
    opened.forEach(PostgresStore::close);
  }
}
