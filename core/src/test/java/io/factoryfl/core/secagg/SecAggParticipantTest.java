package io.factoryfl.core.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.secagg.RevealedShare.Kind;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The participant's rules against a misbehaving coordinator or network: the tests play the
 * coordinator and bend one message at a time.
 */
class SecAggParticipantTest {
  private static final int N = 8;
  private static final int K = 4;
  private static final SecAggParameters PARAMETERS = SecAggParameters.of(N, K, 3, 1.0, 20);

  private static Federation federation(String job, int round) {
    SessionInfo session = Federation.session(job, round, N);
    // one graph for every round, so that shares of two rounds can be swapped
    return new Federation(session, PARAMETERS, NeighbourGraph.harary(N, K, 8), 16);
  }

  private static Map<String, int[]> inputs(Federation federation) {
    Map<String, int[]> inputs = new HashMap<>();
    for (String id : federation.session.cohort()) {
      inputs.put(id, new int[16]);
    }
    return inputs;
  }

  /** A federation run honestly up to and including the consistency check. */
  private static Federation signed(String job, Set<String> droppedBeforeMasking) {
    Federation federation = federation(job, 1);
    federation.advertise(Set.of());
    federation.share(Set.of());
    federation.mask(inputs(federation), droppedBeforeMasking);
    federation.sign(Set.of());
    return federation;
  }

  private static String neighbour(Federation federation, String of) {
    int index = federation.session.indexOf(of);
    return federation.session.cohort().get(federation.graph.neighbours(index).get(0));
  }

  private static SecAggException refuses(org.junit.jupiter.api.function.Executable call, String expected) {
    SecAggException e = assertThrows(SecAggException.class, call);
    assertTrue(e.getMessage().contains(expected), "message was: " + e.getMessage());
    return e;
  }

  @Test
  void unmask_refusesBothSharesForOnePeer() {
    Federation federation = signed("both", Set.of());
    SecAggParticipant target = federation.participants.get("site-0");
    String peer = neighbour(federation, "site-0");
    List<RevealedShare> first = target.unmask(federation.survivors, federation.dropped, federation.signatures);
    assertTrue(first.stream().anyMatch(s -> s.about().equals(peer) && s.kind() == Kind.SELF_MASK_SEED));

    // The malicious coordinator now claims the peer dropped, to get its masking-key share as well.
    List<String> survivors = new ArrayList<>(federation.survivors);
    survivors.remove(peer);
    List<String> dropped = new ArrayList<>(federation.dropped);
    dropped.add(peer);
    refuses(() -> target.unmask(survivors, dropped, federation.signatures),
        "refusing to reveal the masking-key share of '" + peer + "': its self-mask-seed share was already revealed");
    refuses(() -> target.unmask(federation.survivors, federation.dropped, federation.signatures),
        "aborted this round earlier");
  }

  @Test
  void unmask_refusesPeerListedAsBothSurvivorAndDropped() {
    Federation federation = signed("both-lists", Set.of());
    String peer = neighbour(federation, "site-1");
    refuses(() -> federation.participants.get("site-1").unmask(federation.survivors, List.of(peer),
        federation.signatures), "'" + peer + "' is listed both as survivor and as dropped");
  }

  @Test
  void unmask_refusesSurvivorListOtherThanTheSignedOne() {
    Federation federation = signed("other-list", Set.of());
    String peer = neighbour(federation, "site-2");
    List<String> survivors = new ArrayList<>(federation.survivors);
    survivors.remove(peer);
    refuses(() -> federation.participants.get("site-2").unmask(survivors, List.of(peer), federation.signatures),
        "the survivor list differs from the one I signed");
  }

  @Test
  void unmask_retryWithTheSameRequest_returnsTheSameShares() {
    Federation federation = signed("retry", Set.of());
    SecAggParticipant site = federation.participants.get("site-3");
    List<RevealedShare> first = site.unmask(federation.survivors, federation.dropped, federation.signatures);
    List<RevealedShare> again = site.unmask(federation.survivors, federation.dropped, federation.signatures);
    assertEquals(first, again);
  }

  @Test
  void unmask_revealsKeySharesForDroppedAndSeedSharesForSurvivors() {
    Federation probe = federation("kinds", 1);
    String gone = neighbour(probe, "site-4");
    Federation federation = signed("kinds", Set.of(gone));
    List<RevealedShare> shares = federation.participants.get("site-4")
        .unmask(federation.survivors, federation.dropped, federation.signatures);
    for (RevealedShare share : shares) {
      assertEquals(share.about().equals(gone) ? Kind.MASKING_KEY : Kind.SELF_MASK_SEED, share.kind(), share.toString());
    }
    assertTrue(shares.stream().anyMatch(s -> s.about().equals(gone)));
  }

  @Test
  void unmask_rejectsForgedSurvivorSignature() {
    Federation federation = signed("forged-sig", Set.of());
    String peer = neighbour(federation, "site-5");
    Map<String, byte[]> signatures = new HashMap<>(federation.signatures);
    byte[] bad = signatures.get(peer).clone();
    bad[10] ^= 1;
    signatures.put(peer, bad);
    refuses(() -> federation.participants.get("site-5").unmask(federation.survivors, federation.dropped, signatures),
        "the signature of '" + peer + "' over the survivor list does not verify");
  }

  @Test
  void signSurvivors_refusesASecondDifferentList_butRepeatsTheSameOne() {
    Federation federation = signed("resign", Set.of());
    SecAggParticipant site = federation.participants.get("site-6");
    assertArrayEquals(federation.signatures.get("site-6"), site.signSurvivors(federation.survivors));
    List<String> fewer = new ArrayList<>(federation.survivors);
    fewer.remove("site-7");
    refuses(() -> site.signSurvivors(fewer), "asked to sign a second, different survivor list");
  }

  @Test
  void signSurvivors_refusesListWithoutMe() {
    Federation federation = federation("without-me", 1);
    federation.advertise(Set.of());
    federation.share(Set.of());
    federation.mask(inputs(federation), Set.of());
    List<String> others = new ArrayList<>(federation.survivors);
    others.remove("site-0");
    refuses(() -> federation.participants.get("site-0").signSurvivors(others), "leaves me out");
  }

  @Test
  void shareKeys_rejectsBadSignatureOfANeighbour() {
    Federation federation = federation("bad-keys", 1);
    federation.advertise(Set.of());
    String peer = neighbour(federation, "site-0");
    List<SignedKeys> keys = new ArrayList<>();
    for (SignedKeys k : federation.keys) {
      byte[] signature = k.signature();
      if (k.participant().equals(peer)) {
        signature[0] ^= 1;
      }
      keys.add(new SignedKeys(k.participant(), k.encryptionPublicKey(), k.maskingPublicKey(), signature));
    }
    refuses(() -> federation.participants.get("site-0").shareKeys(keys),
        "the keys of neighbour '" + peer + "' carry an invalid signature");
  }

  @Test
  void shareKeys_rejectsKeysReplayedFromAnEarlierRound() {
    Federation earlier = federation("replay-keys", 1);
    earlier.advertise(Set.of());
    Federation later = federation("replay-keys", 2);
    later.advertise(Set.of());
    String peer = neighbour(later, "site-0");
    List<SignedKeys> keys = new ArrayList<>();
    for (SignedKeys k : later.keys) {
      keys.add(k.participant().equals(peer)
          ? earlier.keys.stream().filter(e -> e.participant().equals(peer)).findFirst().orElseThrow() : k);
    }
    refuses(() -> later.participants.get("site-0").shareKeys(keys), "from another job, round or model");
  }

  @Test
  void shareKeys_rejectsSubstitutedOwnKeys() {
    Federation federation = federation("own-keys", 1);
    federation.advertise(Set.of());
    List<SignedKeys> keys = new ArrayList<>(federation.keys);
    SignedKeys mine = keys.get(0);
    byte[] other = mine.maskingPublicKey();
    other[0] ^= 1;
    keys.set(0, new SignedKeys(mine.participant(), mine.encryptionPublicKey(), other, mine.signature()));
    refuses(() -> federation.participants.get("site-0").shareKeys(keys), "do not carry the keys I advertised");
  }

  @Test
  void maskInput_rejectsTamperedCiphertext() {
    Federation federation = federation("tamper", 1);
    federation.advertise(Set.of());
    federation.share(Set.of());
    List<EncryptedShare> inbox = new ArrayList<>(federation.coordinator.sharesFor("site-0"));
    EncryptedShare original = inbox.get(0);
    byte[] ciphertext = original.ciphertext();
    ciphertext[ciphertext.length - 20] ^= 0x40;
    inbox.set(0, new EncryptedShare(original.from(), original.to(), ciphertext));
    refuses(() -> federation.participants.get("site-0").maskInput(inbox, new int[16]),
        "the share from '" + original.from() + "' does not authenticate");
  }

  @Test
  void maskInput_rejectsShareReplayedFromAnotherSession() {
    Federation earlier = federation("replay-share", 1);
    earlier.advertise(Set.of());
    earlier.share(Set.of());
    Federation later = federation("replay-share", 2);
    later.advertise(Set.of());
    later.share(Set.of());
    List<EncryptedShare> inbox = new ArrayList<>(later.coordinator.sharesFor("site-0"));
    String from = inbox.get(0).from();
    EncryptedShare old = earlier.coordinator.sharesFor("site-0").stream()
        .filter(s -> s.from().equals(from)).findFirst().orElseThrow();
    inbox.set(0, old);
    refuses(() -> later.participants.get("site-0").maskInput(inbox, new int[16]), "does not authenticate");
  }

  @Test
  void maskInput_rejectsShareRelabelledForAnotherReceiver() {
    Federation federation = federation("relabel", 1);
    federation.advertise(Set.of());
    federation.share(Set.of());
    int target = 0;
    String receiver = "site-" + target;
    // a share some common neighbour sent to someone else, relabelled as if it were for site-0
    String sender = neighbour(federation, receiver);
    EncryptedShare foreign = null;
    for (String other : federation.session.cohort()) {
      if (!other.equals(receiver)) {
        for (EncryptedShare s : federation.coordinator.sharesFor(other)) {
          if (s.from().equals(sender)) {
            foreign = s;
          }
        }
      }
    }
    EncryptedShare relabelled = new EncryptedShare(sender, receiver, foreign.ciphertext());
    List<EncryptedShare> inbox = new ArrayList<>(federation.coordinator.sharesFor(receiver));
    inbox.replaceAll(s -> s.from().equals(sender) ? relabelled : s);
    refuses(() -> federation.participants.get(receiver).maskInput(inbox, new int[16]), "does not authenticate");
  }

  @Test
  void callsOutOfOrder_abortTheRound_andLaterCallsAreRefused() {
    Federation federation = federation("order", 1);
    SecAggParticipant site = federation.participants.get("site-0");
    refuses(() -> site.maskInput(List.of(), new int[16]), "maskInput was requested in stage NEW");
    refuses(site::advertiseKeys, "'site-0' aborted this round earlier: maskInput was requested");
  }

  @Test
  void destroy_refusesLaterCalls() {
    Federation federation = federation("destroy", 1);
    SecAggParticipant site = federation.participants.get("site-0");
    site.advertiseKeys();
    site.destroy();
    refuses(() -> site.shareKeys(List.of()), "has destroyed its round secrets");
  }

  @Test
  void constructor_rejectsParticipantOutsideTheCohort() {
    SessionInfo session = Federation.session("outsider", 1, N);
    SecAggException e = assertThrows(SecAggException.class, () -> new SecAggParticipant("intruder", session,
        PARAMETERS, NeighbourGraph.forSession(session, K), Identities.of("intruder").getPrivate(),
        Identities::publicKey, new SecureRandom()));
    assertTrue(e.getMessage().contains("'intruder', who is not in the cohort"), e.getMessage());
  }
}
