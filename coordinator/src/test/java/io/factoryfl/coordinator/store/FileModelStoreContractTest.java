package io.factoryfl.coordinator.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The model-store contract on files of a data directory. */
class FileModelStoreContractTest extends ModelStoreContract {
  @TempDir Path data;

  @Override
  ModelStore open() {
    return new FileModelStore(data);
  }

  @Override
  ModelStore reopen() {
    return new FileModelStore(data);
  }
}
