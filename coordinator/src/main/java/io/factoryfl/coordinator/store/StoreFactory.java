package io.factoryfl.coordinator.store;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Chooses the store from a coordinator's flags: {@code --data DIR} alone for the embedded store in
 * that directory; {@code --store postgresql://...} (optionally with {@code --store-password-file})
 * for PostgreSQL, which then keeps the models and round logs as well.
 */
final class StoreFactory {
  private StoreFactory() {}

  static CoordinatorStore open(String store, Path passwordFile, Path dataDirectory, Map<String, String> environment) {
    if (store == null || store.isBlank()) {
      if (passwordFile != null) {
        throw new IllegalArgumentException("--store-password-file " + passwordFile + " is given without --store;"
            + " it is the password of a PostgreSQL store (--store postgresql://...). Remove it, or add --store");
      }
      return EmbeddedStore.open(dataDirectory);
    }
    String scheme = store.strip().toLowerCase(Locale.ROOT);
    if (!scheme.startsWith("postgresql://") && !scheme.startsWith("postgres://")) {
      throw new IllegalArgumentException("--store " + PostgresUrl.redact(store) + " is not a store this coordinator"
          + " knows: give a PostgreSQL URL (postgresql://[user[:password]@]host[:port]/database), or leave --store"
          + " out for the embedded store in the --data directory");
    }
    return PostgresStore.open(PostgresUrl.parse(store).withPasswordFrom(passwordFile, environment));
  }
}
