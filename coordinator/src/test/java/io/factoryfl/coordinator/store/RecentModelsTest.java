package io.factoryfl.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The cache of recent models stays within its byte budget, whatever the models' sizes. */
class RecentModelsTest {
  private static ModelVersion model(String hash, int parameters) {
    return new ModelVersion(hash, "{}", new float[parameters]);
  }

  @Test
  void theLeastRecentlyUsedModelsGo_whenTheBudgetIsFull() {
    RecentModels cache = new RecentModels(3 * (1000 * 4 + 4));
    cache.put(model("a", 1000));
    cache.put(model("b", 1000));
    cache.put(model("c", 1000));
    cache.get("a"); // used: b is now the least recent

    cache.put(model("d", 1000));

    assertTrue(cache.get("a").isPresent());
    assertTrue(cache.get("b").isEmpty());
    assertTrue(cache.get("c").isPresent() && cache.get("d").isPresent());
    assertEquals(3 * (1000 * 4 + 4), cache.bytes());
  }

  @Test
  void aModelLargerThanTheBudget_isNotKept_andEvictsNothing() {
    RecentModels cache = new RecentModels(10_000);
    cache.put(model("small", 100));

    cache.put(model("huge", 1_000_000));

    assertTrue(cache.get("huge").isEmpty());
    assertTrue(cache.get("small").isPresent());
    assertEquals(100 * 4 + 4, cache.bytes());
  }
}
