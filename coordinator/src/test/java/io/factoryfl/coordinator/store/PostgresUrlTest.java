package io.factoryfl.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The --store URL: what it connects to, and that its password is never shown. */
class PostgresUrlTest {
  @Test
  void aFullUrl_givesTheJdbcUrlUserAndPassword() {
    PostgresUrl url = PostgresUrl.parse("postgresql://fl_coord:p%40ss%2Fw0rd@db.plant.example:6432/factoryfl"
        + "?sslmode=verify-full&sslrootcert=/etc/factoryfl/ca.pem");
    assertEquals("jdbc:postgresql://db.plant.example:6432/factoryfl?sslmode=verify-full"
        + "&sslrootcert=%2Fetc%2Ffactoryfl%2Fca.pem", url.jdbcUrl());
    assertEquals(Optional.of("fl_coord"), url.user());
    assertEquals(Optional.of("p@ss/w0rd"), url.password());
    assertEquals("db.plant.example:6432/factoryfl", url.server());
  }

  @Test
  void theShortSchemeAndTheDefaultPort_areAccepted() {
    PostgresUrl url = PostgresUrl.parse("postgres://db/factoryfl");
    assertEquals("jdbc:postgresql://db:5432/factoryfl", url.jdbcUrl());
    assertEquals(Optional.empty(), url.user());
    assertEquals(Optional.empty(), url.password());
    assertEquals("postgresql://db:5432/factoryfl", url.redacted());
  }

  @Test
  void anIpv6Host_isBracketed() {
    assertEquals("jdbc:postgresql://[::1]:5432/fl", PostgresUrl.parse("postgresql://u@[::1]/fl").jdbcUrl());
  }

  @Test
  void thePassword_isNeverShown_wherEverItWasGiven() {
    for (String text : new String[] {"postgresql://fl:hunter2@db:5432/factoryfl?sslmode=require",
        "postgresql://db:5432/factoryfl?user=fl&password=hunter2&sslmode=require"}) {
      PostgresUrl url = PostgresUrl.parse(text);
      assertEquals("postgresql://fl@db:5432/factoryfl?sslmode=require", url.redacted());
      assertEquals(url.redacted(), url.toString());
      assertFalse(url.jdbcUrl().contains("hunter2"), url.jdbcUrl());
      assertEquals(Optional.of("hunter2"), url.password());
    }
    assertEquals("postgresql://db/f?sslmode=require", PostgresUrl.parse(
        "postgresql://db/f?sslmode=require&sslpassword=hunter2").redacted().replace(":5432", ""));
  }

  @Test
  void aMalformedUrl_isRefusedSayingWhy_withoutItsPassword() {
    Map<String, String> cases = Map.of(
        "mysql://fl:hunter2@db/factoryfl", "it must start with postgresql://",
        "postgresql://fl:hunter2@db", "it names no database",
        "postgresql://fl:hunter2@db/a/b", "it names no database",
        "postgresql://fl:hunter2@/factoryfl", "it names no host",
        "postgresql://fl:hun%zzter2@db/factoryfl", "it is not a URL (Malformed escape pair",
        "postgresql://fl:hunter2@db/factoryfl?sslmode", "is not name=value",
        "postgresql://fl:hunter2@db/f?password=hunter2", "gives the user or the password twice");
    cases.forEach((text, reason) -> {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PostgresUrl.parse(text));
      assertTrue(e.getMessage().contains(reason) && e.getMessage().contains("Expected postgresql://[user"),
          text + " -> " + e.getMessage());
      assertFalse(e.getMessage().contains("hunter2") || e.getMessage().contains("hun%zz"), e.getMessage());
    });
    assertTrue(assertThrows(IllegalArgumentException.class, () -> PostgresUrl.parse("postgresql://fl:hunter2@db"))
        .getMessage().startsWith("the store URL postgresql://fl:***@db is not valid"));
    // a password with an unencoded '/' or '@' is hidden too (the review found the first one shown)
    for (String text : java.util.List.of("postgresql://fl:hun/ter2@db/factoryfl", "postgresql://fl:hun@ter2@/f",
        "postgresql://fl:hun/t@er2@db")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PostgresUrl.parse(text));
      assertFalse(e.getMessage().contains("hun") || e.getMessage().contains("ter2"), e.getMessage());
    }
  }

  @Test
  void thePassword_comesFromTheUrl_elseTheFile_elsePgpassword(@TempDir Path directory) throws Exception {
    Path file = directory.resolve("store-password");
    Files.writeString(file, "from-file\nignored second line\n");
    Map<String, String> environment = Map.of("PGPASSWORD", "from-environment");
    assertEquals(Optional.of("from-url"), PostgresUrl.parse("postgresql://fl:from-url@db/f")
        .withPasswordFrom(null, environment).password());
    assertEquals(Optional.of("from-file"), PostgresUrl.parse("postgresql://fl@db/f")
        .withPasswordFrom(file, environment).password());
    assertEquals(Optional.of("from-environment"), PostgresUrl.parse("postgresql://fl@db/f")
        .withPasswordFrom(null, environment).password());
    assertEquals(Optional.empty(), PostgresUrl.parse("postgresql://fl@db/f").withPasswordFrom(null, Map.of())
        .password());
  }

  @Test
  void aPasswordInTwoPlaces_orAnUnreadableFile_isRefused(@TempDir Path directory) throws Exception {
    Path file = directory.resolve("store-password");
    Files.writeString(file, "from-file");
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
        () -> PostgresUrl.parse("postgresql://fl:from-url@db/f").withPasswordFrom(file, Map.of()));
    assertTrue(twice.getMessage().contains("give it in one place only"), twice.getMessage());
    assertFalse(twice.getMessage().contains("from-url") || twice.getMessage().contains("from-file"));
    Path missing = directory.resolve("missing");
    IllegalArgumentException unreadable = assertThrows(IllegalArgumentException.class,
        () -> PostgresUrl.parse("postgresql://fl@db/f").withPasswordFrom(missing, Map.of()));
    assertTrue(unreadable.getMessage().startsWith("cannot read the store password file " + missing),
        unreadable.getMessage());
  }

  @Test
  void theStoreFlag_choosesEmbeddedOrPostgres_andRefusesOtherSchemes(@TempDir Path data) {
    try (CoordinatorStore embedded = StoreFactory.open(null, null, data, Map.of())) {
      assertTrue(embedded instanceof EmbeddedStore, embedded.description());
    }
    IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
        () -> StoreFactory.open("mysql://fl:hunter2@db/f", null, data, Map.of()));
    assertTrue(other.getMessage().startsWith("--store mysql://fl:***@db/f is not a store this coordinator knows"),
        other.getMessage());
    IllegalArgumentException fileAlone = assertThrows(IllegalArgumentException.class,
        () -> StoreFactory.open("", data.resolve("pw"), data, Map.of()));
    assertTrue(fileAlone.getMessage().contains("without --store"), fileAlone.getMessage());
  }
}
