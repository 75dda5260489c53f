package io.factoryfl.core.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GraphSeedTest {
  private static final SecAggParameters PARAMETERS = SecAggParameters.of(12, 4, 3, 1.0, 20);

  @Test
  void derivedRound_bothSidesAgreeOnTheGraphAndUnmaskTheSum() {
    SessionInfo session = Federation.session("derived", 3, 12);
    Federation federation = Federation.derived(session, PARAMETERS, 20);
    Map<String, int[]> inputs = new HashMap<>();
    SecureRandom random = new SecureRandom();
    int[] expected = new int[20];
    for (String id : session.cohort()) {
      int[] input = random.ints(20, 0, 1000).toArray();
      inputs.put(id, input);
      for (int i = 0; i < 20; i++) {
        expected[i] += input[i];
      }
    }
    int[] stops = new int[12];
    java.util.Arrays.fill(stops, 6);
    assertArrayEquals(expected, federation.run(inputs, stops));
    assertTrue(federation.aborted.isEmpty(), federation.abortReasons.toString());
    SignedKeys[] keys = new SignedKeys[12];
    for (SignedKeys k : federation.keys) {
      keys[session.indexOf(k.participant())] = k;
    }
    assertTrue(GraphSeed.sameGraph(GraphSeed.graph(session, 4, keys), federation.coordinator.graph()));
  }

  @Test
  void graph_doesNotDependOnTheCoordinatorsOrderOfTheCohort() {
    SessionInfo session = Federation.session("order", 1, 10);
    List<String> shuffled = new ArrayList<>(session.cohort());
    Collections.shuffle(shuffled, new java.util.Random(7));
    SessionInfo reordered = new SessionInfo(session.jobId(), session.round(), session.modelHash(), shuffled);
    Map<String, SignedKeys> keys = keys(session);
    NeighbourGraph a = GraphSeed.graph(session, 4, inOrder(session, keys));
    NeighbourGraph b = GraphSeed.graph(reordered, 4, inOrder(reordered, keys));
    for (String id : session.cohort()) {
      assertEquals(neighbourIds(session, a, id), neighbourIds(reordered, b, id), id);
    }
  }

  @Test
  void graph_changesWithAnyAdvertisedKey_soNoOneKnowsItBeforeTheKeysAreFixed() {
    SessionInfo session = Federation.session("keys", 1, 30);
    Map<String, SignedKeys> keys = keys(session);
    NeighbourGraph before = GraphSeed.graph(session, 6, inOrder(session, keys));
    keys.put("site-17", advertise(session, "site-17"));
    assertFalse(GraphSeed.sameGraph(before, GraphSeed.graph(session, 6, inOrder(session, keys))));
    SignedKeys[] missing = inOrder(session, keys);
    missing[3] = null;
    assertFalse(GraphSeed.sameGraph(before, GraphSeed.graph(session, 6, missing)));
  }

  private static Map<String, SignedKeys> keys(SessionInfo session) {
    Map<String, SignedKeys> keys = new HashMap<>();
    for (String id : session.cohort()) {
      keys.put(id, advertise(session, id));
    }
    return keys;
  }

  /** Fresh keys as the participant would advertise them. */
  private static SignedKeys advertise(SessionInfo session, String id) {
    SecAggParameters parameters = SecAggParameters.of(session.size(), 4, 3, 1.0, 20);
    return new SecAggParticipant(id, session, parameters, Identities.of(id).getPrivate(),
        Identities::publicKey, new SecureRandom()).advertiseKeys();
  }

  private static SignedKeys[] inOrder(SessionInfo session, Map<String, SignedKeys> keys) {
    SignedKeys[] out = new SignedKeys[session.size()];
    for (int i = 0; i < session.size(); i++) {
      out[i] = keys.get(session.cohort().get(i));
    }
    return out;
  }

  private static Set<String> neighbourIds(SessionInfo session, NeighbourGraph graph, String id) {
    Set<String> ids = new HashSet<>();
    for (int v : graph.neighbours(session.indexOf(id))) {
      ids.add(session.cohort().get(v));
    }
    return ids;
  }
}
