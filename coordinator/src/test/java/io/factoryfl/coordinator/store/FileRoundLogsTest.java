package io.factoryfl.coordinator.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The round-log contract on files of a data directory's ledgers/. */
class FileRoundLogsTest extends RoundLogStoreContract {
  @TempDir Path data;

  @Override
  RoundLogStore open() {
    return new FileRoundLogs(data.resolve("ledgers"));
  }

  @Override
  RoundLogStore reopen() {
    return open();
  }
}
