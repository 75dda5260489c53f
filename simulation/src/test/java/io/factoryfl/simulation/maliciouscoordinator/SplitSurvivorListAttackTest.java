package io.factoryfl.simulation.maliciouscoordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.secagg.EncryptedShare;
import io.factoryfl.core.secagg.RevealedShare;
import io.factoryfl.core.secagg.SecAggParameters;
import io.factoryfl.core.secagg.SecAggParticipant;
import io.factoryfl.core.secagg.SessionInfo;
import io.factoryfl.core.secagg.SignedKeys;
import io.factoryfl.participant.policy.PolicyCheck;
import io.factoryfl.participant.policy.PolicyDecision;
import io.factoryfl.proto.v1.DatasetBinding;
import io.factoryfl.proto.v1.SecAggAdvertiseKeys;
import io.factoryfl.proto.v1.Task;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * M1, the split-survivor-list attack with colluding sites. A coordinator wants one site's (the
 * target's) update: it needs t shares of the target's self-mask seed AND t shares of its masking
 * key. It tells one group of the target's neighbours that the target survived (they reveal seed
 * shares) and the other group that it dropped (they reveal key shares); two colluding sites, one on
 * either side, sign both survivor lists and hand over both kinds of share.
 *
 * <p>Played at the protocol level with the real {@link SecAggParticipant} code, real X25519 /
 * Ed25519 keys and AES-GCM shares: the attack is entirely in which survivor lists the coordinator
 * relays and which shares honest code reveals for them, and the participant's gRPC layer
 * (SecureSessions.signSurvivors / unmask) hands the lists through to exactly these methods. What
 * the site policy does with the weak threshold the attack needs is checked through the real
 * {@link PolicyCheck}. A colluder is modelled as two clones of one participant (same seeded
 * randomness, so the same keys, shares and identity) of which each signs one list and answers one
 * unmask request: that is exactly a site that does not follow the "never both" rule.
 */
class SplitSurvivorListAttackTest {
  private static final int N = 10;
  private static final int DIMENSION = 8;
  private static final String TARGET = "site-0";
  private static final Set<String> COLLUDERS = Set.of("site-1", "site-9");

  @Test
  void todaysMajorityThreshold_letsTwoColludersCollectBothSecretsOfTheTarget_andTheSitePolicyRefusesIt() {
    SecAggParameters majority = SecAggParameters.of(N, 9, 5, 1.0, 20);
    assertEquals(0, majority.toleratedColluders());

    Attack best = bestSplit(majority);
    assertTrue(best.seedShares() >= 5 && best.keyShares() >= 5,
        "with t = 5 the coordinator holds both secrets' shares: " + best);

    PolicyDecision decision = PolicyCheck.defaults(Clock.systemUTC()).check(advertise(9, 5));
    assertFalse(decision.allowed());
    assertTrue(decision.reason().contains("threshold t = 5") && decision.reason().contains("minimum of 6"),
        decision.reason());
  }

  @Test
  void defaultParameters_toleratingTwoColludingNeighbours_keepTheTargetsSecretsApartForEverySplit() {
    SecAggParameters defaults = SecAggParameters.defaults(N);
    assertEquals(9, defaults.neighbours());
    assertEquals(6, defaults.threshold());
    assertEquals(2, defaults.toleratedColluders());
    assertTrue(PolicyCheck.defaults(Clock.systemUTC()).check(advertise(9, 6)).allowed());

    int mostSeedShares = 0;
    int mostKeyShares = 0;
    for (int left = 0; left <= N - 1 - COLLUDERS.size(); left++) {
      Attack attack = attack(defaults, left);
      assertFalse(attack.seedShares() >= 6 && attack.keyShares() >= 6,
          "with t = 6 the coordinator must not hold t shares of both of the target's secrets: " + attack);
      mostSeedShares = Math.max(mostSeedShares, attack.seedShares());
      mostKeyShares = Math.max(mostKeyShares, attack.keyShares());
    }
    // Each kind alone does reach t (the lists are accepted and shares flow): only both at once fail.
    assertEquals(9, mostSeedShares);
    assertEquals(9, mostKeyShares);
  }

  /** The split with the most shares of the scarcer kind, over every size of the left group. */
  private static Attack bestSplit(SecAggParameters parameters) {
    Attack best = null;
    for (int left = 0; left <= N - 1 - COLLUDERS.size(); left++) {
      Attack attack = attack(parameters, left);
      if (best == null || Math.min(attack.seedShares(), attack.keyShares())
          > Math.min(best.seedShares(), best.keyShares())) {
        best = attack;
      }
    }
    return best;
  }

  /** What the coordinator ends up holding about the target. */
  record Attack(int left, int seedShares, int keyShares, List<String> refusals) {}

  /**
   * One round: the first {@code left} honest non-target sites are told the target survived, the
   * other honest sites that it dropped; each colluder signs and answers both.
   */
  private static Attack attack(SecAggParameters parameters, int left) {
    List<String> cohort = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      cohort.add("site-" + i);
    }
    SessionInfo session = new SessionInfo("job-m1", left + 1, "model-m1", cohort);
    Map<String, KeyPair> identities = new HashMap<>();
    for (String id : cohort) {
      identities.put(id, ed25519());
    }
    Map<String, PublicKey> publicKeys = new HashMap<>();
    identities.forEach((id, pair) -> publicKeys.put(id, pair.getPublic()));

    Map<String, SecAggParticipant> sites = new LinkedHashMap<>();
    Map<String, SecAggParticipant> twins = new HashMap<>();
    for (String id : cohort) {
      if (COLLUDERS.contains(id)) {
        long seed = id.hashCode() * 31L + left;
        sites.put(id, participant(session, parameters, id, identities, publicKeys, seeded(seed)));
        twins.put(id, participant(session, parameters, id, identities, publicKeys, seeded(seed)));
      } else {
        sites.put(id, participant(session, parameters, id, identities, publicKeys, new SecureRandom()));
      }
    }
    // Stages 1-3, relayed faithfully (the twins see exactly what their colluder sees).
    List<SignedKeys> keys = new ArrayList<>();
    for (String id : cohort) {
      SignedKeys k = sites.get(id).advertiseKeys();
      if (twins.containsKey(id)) {
        twins.get(id).advertiseKeys();
      }
      keys.add(k);
    }
    Map<String, List<EncryptedShare>> inbox = new HashMap<>();
    for (String id : cohort) {
      List<EncryptedShare> out = sites.get(id).shareKeys(keys);
      if (twins.containsKey(id)) {
        twins.get(id).shareKeys(keys);
      }
      for (EncryptedShare share : out) {
        inbox.computeIfAbsent(share.to(), to -> new ArrayList<>()).add(share);
      }
    }
    for (String id : cohort) {
      int[] input = new int[DIMENSION];
      sites.get(id).maskInput(inbox.get(id), input);
      if (twins.containsKey(id)) {
        twins.get(id).maskInput(inbox.get(id), input);
      }
    }
    // Stage 4: the split. "alive" = every site; "without target" = every site but the target.
    List<String> honest = cohort.stream().filter(id -> !id.equals(TARGET) && !COLLUDERS.contains(id)).toList();
    List<String> leftGroup = honest.subList(0, left);
    List<String> rightGroup = honest.subList(left, honest.size());
    List<String> alive = cohort;
    List<String> withoutTarget = cohort.stream().filter(id -> !id.equals(TARGET)).toList();
    List<String> refusals = new ArrayList<>();
    Map<String, byte[]> aliveSignatures = new HashMap<>();
    Map<String, byte[]> splitSignatures = new HashMap<>();
    for (String id : leftGroup) {
      sign(sites.get(id), id, alive, aliveSignatures, refusals);
    }
    sign(sites.get(TARGET), TARGET, alive, aliveSignatures, refusals);
    for (String id : rightGroup) {
      sign(sites.get(id), id, withoutTarget, splitSignatures, refusals);
    }
    for (String id : COLLUDERS) {
      sign(sites.get(id), id, alive, aliveSignatures, refusals);
      sign(twins.get(id), id, withoutTarget, splitSignatures, refusals);
    }
    // Stage 5: each group is asked to unmask under the list it signed; collect shares of the target.
    Set<Long> seedPoints = new TreeSet<>();
    Set<Long> keyPoints = new TreeSet<>();
    List<SecAggParticipant> seedSide = new ArrayList<>();
    leftGroup.forEach(id -> seedSide.add(sites.get(id)));
    COLLUDERS.forEach(id -> seedSide.add(sites.get(id)));
    List<SecAggParticipant> keySide = new ArrayList<>();
    rightGroup.forEach(id -> keySide.add(sites.get(id)));
    COLLUDERS.forEach(id -> keySide.add(twins.get(id)));
    for (SecAggParticipant p : seedSide) {
      collect(p, alive, List.of(), aliveSignatures, seedPoints, keyPoints, refusals);
    }
    for (SecAggParticipant p : keySide) {
      collect(p, withoutTarget, List.of(TARGET), splitSignatures, seedPoints, keyPoints, refusals);
    }
    return new Attack(left, seedPoints.size(), keyPoints.size(), refusals);
  }

  private static void sign(SecAggParticipant site, String id, List<String> list, Map<String, byte[]> into,
      List<String> refusals) {
    try {
      into.put(id, site.signSurvivors(list));
    } catch (RuntimeException e) {
      refusals.add(id + " refused to sign: " + e.getMessage());
    }
  }

  private static void collect(SecAggParticipant site, List<String> survivors, List<String> dropped,
      Map<String, byte[]> signatures, Set<Long> seedPoints, Set<Long> keyPoints, List<String> refusals) {
    try {
      for (RevealedShare share : site.unmask(survivors, dropped, signatures)) {
        if (share.about().equals(TARGET)) {
          (share.kind() == RevealedShare.Kind.SELF_MASK_SEED ? seedPoints : keyPoints).add(share.x());
        }
      }
    } catch (RuntimeException e) {
      refusals.add("unmask refused: " + e.getMessage());
    }
  }

  private static SecAggParticipant participant(SessionInfo session, SecAggParameters parameters, String id,
      Map<String, KeyPair> identities, Map<String, PublicKey> publicKeys, SecureRandom random) {
    return new SecAggParticipant(id, session, parameters, identities.get(id).getPrivate(), publicKeys::get,
        random);
  }

  private static SecureRandom seeded(long seed) {
    try {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      random.setSeed(seed);
      return random;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair ed25519() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Task advertise(int neighbours, int threshold) {
    SecAggAdvertiseKeys.Builder setup = SecAggAdvertiseKeys.newBuilder().setSessionTag("m1")
        .setNeighbours(neighbours).setThreshold(threshold).setModelHash("model-m1");
    for (int i = 0; i < N; i++) {
      setup.addCohort("site-" + i);
    }
    return Task.newBuilder().setTaskId("job-m1/r1/a1/advertise").setJobId("job-m1").setRound(1)
        .setDataset(DatasetBinding.newBuilder().setName("ai4i")).setSecaggAdvertise(setup).build();
  }
}
