package io.factoryfl.core.secagg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.secagg.RevealedShare.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The coordinator keeps the stages consistent and refuses what does not fit. */
class SecAggCoordinatorTest {
  private static final int N = 8;
  private static final int K = 4;
  private static final SecAggParameters PARAMETERS = SecAggParameters.of(N, K, 3, 1.0, 20);

  private static Federation federation(String job) {
    SessionInfo session = Federation.session(job, 1, N);
    return new Federation(session, PARAMETERS, NeighbourGraph.forSession(session, K), 16);
  }

  private static Map<String, int[]> zeros(Federation federation) {
    Map<String, int[]> inputs = new HashMap<>();
    federation.session.cohort().forEach(id -> inputs.put(id, new int[16]));
    return inputs;
  }

  private static void refuses(org.junit.jupiter.api.function.Executable call, String expected) {
    SecAggException e = assertThrows(SecAggException.class, call);
    assertTrue(e.getMessage().contains(expected), "message was: " + e.getMessage());
  }

  @Test
  void acceptShares_refusesSharesThatMissAnAdvertisedNeighbour() {
    Federation federation = federation("missing-share");
    federation.advertise(Set.of());
    List<EncryptedShare> shares = new ArrayList<>(federation.participants.get("site-0").shareKeys(federation.keys));
    shares.remove(0);
    refuses(() -> federation.coordinator.acceptShares("site-0", shares), "all 4 that advertised keys must get one");
  }

  @Test
  void acceptShares_refusesSenderThatNeverAdvertised() {
    Federation federation = federation("no-keys");
    federation.advertise(Set.of("site-0"));
    refuses(() -> federation.coordinator.acceptShares("site-0", List.of()), "never advertised keys");
  }

  @Test
  void acceptKeys_afterAdvertisementClosed_isRefused() {
    Federation federation = federation("late-keys");
    federation.advertise(Set.of("site-0"));
    refuses(() -> federation.coordinator.acceptKeys(federation.participants.get("site-0").advertiseKeys()),
        "keys arrived after stage ADVERTISE_KEYS closed");
  }

  @Test
  void acceptMaskedInput_refusesWrongLength() {
    Federation federation = federation("length");
    federation.advertise(Set.of());
    federation.share(Set.of());
    federation.coordinator.sharesFor("site-0");
    refuses(() -> federation.coordinator.acceptMaskedInput("site-0", new int[15]), "has 15 values; this round expects 16");
  }

  @Test
  void dropped_areThoseThatSharedButSentNoMaskedInput() {
    Federation federation = federation("dropped");
    federation.advertise(Set.of("site-7"));
    federation.share(Set.of("site-6"));
    federation.mask(zeros(federation), Set.of("site-5"));
    assertEquals(List.of("site-5"), federation.dropped);
    assertEquals(List.of("site-0", "site-1", "site-2", "site-3", "site-4"), federation.survivors);
  }

  @Test
  void acceptRevealedShares_refusesAShareOfTheWrongKind() {
    Federation federation = federation("wrong-kind");
    federation.advertise(Set.of());
    federation.share(Set.of());
    federation.mask(zeros(federation), Set.of());
    federation.sign(Set.of());
    List<RevealedShare> honest = federation.participants.get("site-0")
        .unmask(federation.survivors, federation.dropped, federation.signatures);
    RevealedShare first = honest.get(0);
    List<RevealedShare> bent = new ArrayList<>(honest);
    bent.set(0, new RevealedShare(first.from(), first.about(), Kind.MASKING_KEY, first.x(), first.values()));
    refuses(() -> federation.coordinator.acceptRevealedShares("site-0", bent), "fate does not call for");
  }

  @Test
  void unmaskedSum_detectsAWrongMaskingKeyShare() {
    Federation federation = federation("wrong-share");
    federation.advertise(Set.of());
    federation.share(Set.of());
    federation.mask(zeros(federation), Set.of("site-3"));
    federation.sign(Set.of());
    for (String id : federation.signatures.keySet()) {
      List<RevealedShare> shares = new ArrayList<>();
      for (RevealedShare s : federation.participants.get(id).unmask(federation.survivors, federation.dropped,
          federation.signatures)) {
        long[] values = s.values();
        if (s.kind() == Kind.MASKING_KEY) {
          values[0] = (values[0] + 1) % Shamir.P;
        }
        shares.add(new RevealedShare(s.from(), s.about(), s.kind(), s.x(), values));
      }
      federation.coordinator.acceptRevealedShares(id, shares);
    }
    SecAggException e = assertThrows(SecAggException.class, federation.coordinator::unmaskedSum);
    assertTrue(e.getMessage().contains("'site-3'") && e.getMessage().contains("share is wrong"), e.getMessage());
  }

  @Test
  void constructor_rejectsGraphOfAnotherDegree() {
    SessionInfo session = Federation.session("degree", 1, N);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SecAggCoordinator(session, PARAMETERS, NeighbourGraph.forSession(session, 6), 16));
    assertEquals("the neighbour graph has degree 6 but the parameters say 4 neighbours", e.getMessage());
  }
}
