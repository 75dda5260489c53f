package io.factoryfl.coordinator.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UploadSlotsTest {
  @Test
  void openStream_refusesBeyondThePerParticipantLimitAndOnlyForThatParticipant() {
    UploadSlots slots = new UploadSlots(2, 100);

    assertTrue(slots.openStream("a"));
    assertTrue(slots.openStream("a"));
    assertFalse(slots.openStream("a"));
    assertTrue(slots.openStream("b"), "another participant has its own slots");
    slots.closeStream("a");
    assertTrue(slots.openStream("a"), "a closed stream frees its slot");
  }

  @Test
  void reserve_refusesBytesBeyondTheBudgetUntilReleased() {
    UploadSlots slots = new UploadSlots(1, 100);

    assertTrue(slots.reserve(60));
    assertFalse(slots.reserve(41));
    assertTrue(slots.reserve(40));
    assertEquals(100, slots.bufferedBytes());
    slots.release(60);
    assertEquals(40, slots.bufferedBytes());
    assertTrue(slots.reserve(60));
  }

  @Test
  void reserve_refusesNegativeAndHugeRequests() {
    UploadSlots slots = new UploadSlots(1, 100);

    assertFalse(slots.reserve(-1));
    assertFalse(slots.reserve(Long.MAX_VALUE));
    assertEquals(0, slots.bufferedBytes());
  }

  @Test
  void constructor_refusesLimitsBelowOne() {
    assertThrows(IllegalArgumentException.class, () -> new UploadSlots(0, 100));
    assertThrows(IllegalArgumentException.class, () -> new UploadSlots(1, 0));
  }
}
