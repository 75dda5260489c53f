package io.factoryfl.core.secagg;

import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * An honest in-process round driven stage by stage, so tests can stop participants at any stage or
 * step in as a misbehaving coordinator. A participant that throws {@link SecAggException} counts as
 * dropped from that stage on, as it would in a deployment.
 */
final class Federation {
  final SessionInfo session;
  final SecAggParameters parameters;
  final NeighbourGraph graph;
  /** Not final: a test may replace it by a restored one ({@link SecAggCoordinator#restore}). */
  SecAggCoordinator coordinator;
  final Map<String, SecAggParticipant> participants = new LinkedHashMap<>();
  final Set<String> aborted = new HashSet<>();
  final List<String> abortReasons = new ArrayList<>();
  List<SignedKeys> keys;
  List<String> survivors;
  List<String> dropped;
  Map<String, byte[]> signatures;

  Federation(SessionInfo session, SecAggParameters parameters, NeighbourGraph graph, int dimension) {
    this(session, parameters, graph, dimension, Identities::publicKey);
  }

  Federation(SessionInfo session, SecAggParameters parameters, NeighbourGraph graph, int dimension,
      Function<String, PublicKey> identityKeys) {
    this.session = session;
    this.parameters = parameters;
    this.graph = graph;
    this.coordinator = graph == null
        ? new SecAggCoordinator(session, parameters, dimension, 2)
        : new SecAggCoordinator(session, parameters, graph, dimension, 2);
    SecureRandom random = new SecureRandom();
    for (String id : session.cohort()) {
      participants.put(id, graph == null
          ? new SecAggParticipant(id, session, parameters, Identities.of(id).getPrivate(), identityKeys, random)
          : new SecAggParticipant(id, session, parameters, graph, Identities.of(id).getPrivate(), identityKeys,
              random));
    }
  }

  /** A round in which both sides derive the graph from the advertised keys, as in a deployment. */
  static Federation derived(SessionInfo session, SecAggParameters parameters, int dimension) {
    return new Federation(session, parameters, null, dimension, Identities::publicKey);
  }

  static SessionInfo session(String job, int round, int n) {
    List<String> cohort = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      cohort.add("site-" + i);
    }
    return new SessionInfo(job, round, "model-" + job + "-" + round, cohort);
  }

  void advertise(Set<String> absent) {
    for (String id : session.cohort()) {
      if (!absent.contains(id)) {
        coordinator.acceptKeys(participants.get(id).advertiseKeys(), Identities.publicKey(id));
      }
    }
    keys = coordinator.advertisedKeys();
  }

  void share(Set<String> absent) {
    for (SignedKeys k : keys) {
      String id = k.participant();
      if (!absent.contains(id)) {
        attempt(id, () -> coordinator.acceptShares(id, participants.get(id).shareKeys(keys)));
      }
    }
  }

  void mask(Map<String, int[]> inputs, Set<String> absent) {
    for (String id : session.cohort()) {
      List<EncryptedShare> inbox = coordinator.sharesFor(id);
      if (!absent.contains(id) && inputs.containsKey(id) && !aborted.contains(id)) {
        attempt(id, () -> coordinator.acceptMaskedInput(id, participants.get(id).maskInput(inbox, inputs.get(id))));
      }
    }
    survivors = coordinator.maskedInputSenders();
    dropped = coordinator.dropped();
  }

  void sign(Set<String> absent) {
    for (String id : survivors) {
      if (!absent.contains(id)) {
        attempt(id, () -> coordinator.acceptSurvivorSignature(id, participants.get(id).signSurvivors(survivors)));
      }
    }
    signatures = coordinator.survivorSignatures();
  }

  void reveal(Set<String> absent) {
    for (String id : signatures.keySet()) {
      if (!absent.contains(id)) {
        attempt(id, () -> coordinator.acceptRevealedShares(id,
            participants.get(id).unmask(survivors, dropped, signatures)));
      }
    }
  }

  /** Runs all stages; {@code stops[i]} is the stage (1-5) before which site i stops, 6 = never. */
  int[] run(Map<String, int[]> inputs, int[] stops) {
    advertise(absentBefore(stops, 1));
    coordinator.requireViable();
    share(absentBefore(stops, 2));
    coordinator.requireViable();
    mask(inputs, absentBefore(stops, 3));
    coordinator.requireViable();
    sign(absentBefore(stops, 4));
    coordinator.requireViable();
    reveal(absentBefore(stops, 5));
    return coordinator.unmaskedSum();
  }

  Set<String> absentBefore(int[] stops, int stage) {
    Set<String> absent = new HashSet<>();
    for (int i = 0; i < stops.length; i++) {
      if (stops[i] <= stage) {
        absent.add(session.cohort().get(i));
      }
    }
    return absent;
  }

  private void attempt(String id, Runnable step) {
    try {
      step.run();
    } catch (SecAggException e) {
      aborted.add(id);
      abortReasons.add(id + ": " + e.getMessage());
    }
  }
}
