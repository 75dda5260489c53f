package io.factoryfl.coordinator.testing;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a {@link PostgresServer} (a constructor or method parameter of that type): one
 * cluster for the whole test run, started on first use and stopped and deleted when the run ends.
 * Each test class makes its own databases ({@link PostgresServer#createDatabase()}). Without
 * PostgreSQL binaries the tests are skipped with a message that says how to install them.
 */
public final class PostgresServerExtension implements BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
      PostgresServerExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    PostgresServer.Binaries binaries = PostgresServer.binaries();
    Assumptions.assumeTrue(binaries.directory().isPresent(), binaries.missing());
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == PostgresServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent("server", key -> new Shared(PostgresServer.launch()), Shared.class).server();
  }

  /** Closed by JUnit when the test run ends. */
  private record Shared(PostgresServer server) implements ExtensionContext.Store.CloseableResource {
    Shared {
      System.out.printf("PostgreSQL test cluster on 127.0.0.1:%d started in %d ms (initdb + pg_ctl start)%n",
          server.port(), server.startTime().toMillis());
    }

    @Override
    public void close() {
      server.close();
    }
  }
}
