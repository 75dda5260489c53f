package io.factoryfl.simulation;

import io.factoryfl.coordinator.testing.PostgresServer;
import io.factoryfl.coordinator.testing.PostgresServerExtension;
import io.factoryfl.simulation.CoordinatorCrashEndToEndTest.Kill;
import io.factoryfl.simulation.StageHoldInterceptor.Step;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CoordinatorCrashEndToEndTest} with the jobs in PostgreSQL ({@code --store}, a throwaway
 * cluster): a coordinator process killed with SIGKILL in a plain round and in a secure session's
 * consistency check (its session carried on from the transcript in PostgreSQL), started again on
 * the same database; every job completes, is listed, downloads and verifies. The other stages go
 * through the same store calls and run on the embedded store only, to keep the suite short.
 */
@ExtendWith(PostgresServerExtension.class)
class CoordinatorCrashOnPostgresEndToEndTest {
  @TempDir
  Path dir;

  @Test
  void aKilledCoordinator_resumesItsJobsFromPostgreSQL(PostgresServer postgres) throws Exception {
    CoordinatorCrashEndToEndTest.killAndResume(dir, List.of("--store", postgres.createDatabase()),
        List.of(new Kill(Step.PLAIN_UPDATE, 2), new Kill(Step.CONSISTENCY_CHECK, 2)));
  }
}
