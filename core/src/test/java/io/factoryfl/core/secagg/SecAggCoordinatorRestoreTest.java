package io.factoryfl.core.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A coordinator restored from a snapshot (as a restarted coordinator rebuilds it from its store)
 * carries the session on: it unmasks the same sum the original would have.
 */
class SecAggCoordinatorRestoreTest {
  private static final int N = 8;
  private static final int DIMENSION = 24;
  private static final SecAggParameters PARAMETERS = SecAggParameters.of(N, 6, 4, 1.0, 20);

  private static Federation federation(String job) {
    return Federation.derived(Federation.session(job, 2, N), PARAMETERS, DIMENSION);
  }

  private static Map<String, int[]> inputs(Federation federation) {
    Random random = new Random(7);
    Map<String, int[]> inputs = new LinkedHashMap<>();
    for (String id : federation.session.cohort()) {
      int[] input = new int[DIMENSION];
      for (int i = 0; i < DIMENSION; i++) {
        input[i] = random.nextInt(1 << 20);
      }
      inputs.put(id, input);
    }
    return inputs;
  }

  private static int[] sumOf(Map<String, int[]> inputs, List<String> survivors) {
    int[] sum = new int[DIMENSION];
    for (String id : survivors) {
      for (int i = 0; i < DIMENSION; i++) {
        sum[i] += inputs.get(id)[i];
      }
    }
    return sum;
  }

  private static void restart(Federation federation) {
    federation.coordinator = SecAggCoordinator.restore(federation.session, PARAMETERS, DIMENSION, 2,
        federation.coordinator.snapshot());
  }

  @Test
  void restoredAfterMaskedInput_unmasksTheSurvivorsSum() {
    Federation federation = federation("restore-after-masked");
    Map<String, int[]> inputs = inputs(federation);
    federation.advertise(Set.of());
    federation.share(Set.of());
    federation.mask(inputs, Set.of("site-5"));
    restart(federation);
    assertEquals(SecAggCoordinator.Stage.CONSISTENCY_CHECK, federation.coordinator.stage());
    assertEquals(federation.survivors, federation.coordinator.maskedInputSenders());
    assertEquals(List.of("site-5"), federation.coordinator.dropped());
    federation.sign(Set.of());
    federation.reveal(Set.of());
    assertArrayEquals(sumOf(inputs, federation.survivors), federation.coordinator.unmaskedSum());
  }

  @Test
  void restoredDuringMaskedInput_takesTheRemainingInputs_andUnmasksAll() {
    Federation federation = federation("restore-during-masked");
    Map<String, int[]> inputs = inputs(federation);
    federation.advertise(Set.of());
    federation.share(Set.of());
    Map<String, List<EncryptedShare>> inboxes = new HashMap<>();
    for (String id : federation.session.cohort()) {
      inboxes.put(id, federation.coordinator.sharesFor(id));
    }
    for (String id : List.of("site-0", "site-3", "site-6")) {
      federation.coordinator.acceptMaskedInput(id,
          federation.participants.get(id).maskInput(inboxes.get(id), inputs.get(id)));
    }
    restart(federation);
    assertEquals(SecAggCoordinator.Stage.MASKED_INPUT, federation.coordinator.stage());
    for (String id : federation.session.cohort()) {
      assertEquals(inboxes.get(id), federation.coordinator.sharesFor(id), "the shares relayed to " + id);
      if (!List.of("site-0", "site-3", "site-6").contains(id)) {
        federation.coordinator.acceptMaskedInput(id,
            federation.participants.get(id).maskInput(inboxes.get(id), inputs.get(id)));
      }
    }
    SecAggException twice = assertThrows(SecAggException.class,
        () -> federation.coordinator.acceptMaskedInput("site-3", new int[DIMENSION]));
    assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
    federation.survivors = federation.coordinator.maskedInputSenders();
    federation.dropped = federation.coordinator.dropped();
    federation.sign(Set.of());
    federation.reveal(Set.of());
    assertArrayEquals(sumOf(inputs, federation.session.cohort()), federation.coordinator.unmaskedSum());
  }

  @Test
  void restoredAfterTheConsistencyCheck_unmasksWithTheSameSignatures() {
    Federation federation = federation("restore-after-check");
    Map<String, int[]> inputs = inputs(federation);
    federation.advertise(Set.of());
    federation.share(Set.of());
    federation.mask(inputs, Set.of("site-2"));
    federation.sign(Set.of("site-4"));
    restart(federation);
    assertEquals(SecAggCoordinator.Stage.UNMASK, federation.coordinator.stage());
    assertEquals(federation.signatures.keySet(), federation.coordinator.survivorSignatures().keySet());
    federation.reveal(Set.of());
    assertArrayEquals(sumOf(inputs, federation.survivors), federation.coordinator.unmaskedSum());
  }

  @Test
  void noSnapshot_onceSharesAreRevealed() {
    Federation federation = federation("no-snapshot-after-reveal");
    federation.advertise(Set.of());
    federation.share(Set.of());
    federation.mask(inputs(federation), Set.of());
    federation.sign(Set.of());
    federation.reveal(Set.of("site-1", "site-2", "site-3", "site-4", "site-5", "site-6", "site-7"));
    assertThrows(IllegalStateException.class, () -> federation.coordinator.snapshot());
  }

  @Test
  void aTamperedSnapshot_isRefused() {
    Federation federation = federation("tampered-snapshot");
    federation.advertise(Set.of());
    federation.share(Set.of("site-1"));
    federation.mask(inputs(federation), Set.of());
    SecAggCoordinator.Snapshot honest = federation.coordinator.snapshot();
    SecAggCoordinator.Snapshot extraSender = new SecAggCoordinator.Snapshot(honest.stage(), honest.keys(),
        honest.shares(), federation.session.cohort(), honest.sum(), honest.signatures());
    SecAggException e = assertThrows(SecAggException.class,
        () -> SecAggCoordinator.restore(federation.session, PARAMETERS, DIMENSION, 2, extraSender));
    assertTrue(e.getMessage().contains("site-1"), e.getMessage());
    SecAggCoordinator.Snapshot shortSum = new SecAggCoordinator.Snapshot(honest.stage(), honest.keys(),
        honest.shares(), honest.maskedSenders(), new int[DIMENSION - 1], honest.signatures());
    assertThrows(SecAggException.class,
        () -> SecAggCoordinator.restore(federation.session, PARAMETERS, DIMENSION, 2, shortSum));
  }
}
