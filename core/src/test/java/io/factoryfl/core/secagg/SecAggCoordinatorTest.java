package io.factoryfl.core.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.secagg.RevealedShare.Kind;
import java.math.BigInteger;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.math.ec.rfc7748.X25519;
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
    refuses(() -> federation.coordinator.acceptKeys(federation.participants.get("site-0").advertiseKeys(),
        Identities.publicKey("site-0")),
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

  // --- accountability: the coordinator checks what neighbours would check, and names the sender ---

  private static final BigInteger P25519 = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));

  private static byte[] littleEndian(BigInteger value) {
    byte[] big = value.toByteArray();
    byte[] out = new byte[32];
    for (int i = 0; i < Math.min(32, big.length); i++) {
      out[i] = big[big.length - 1 - i];
    }
    return out;
  }

  /**
   * Every encoding of a small-order point: the canonical u of order 1, 2, 4 and 8 (0, 1, p - 1 and
   * the two order-8 values), plus p and p + 1, each also with the unused top bit set: 14 in all.
   */
  static List<byte[]> smallOrderEncodings() {
    List<BigInteger> canonical = List.of(BigInteger.ZERO, BigInteger.ONE, P25519.subtract(BigInteger.ONE),
        new BigInteger("325606250916557431795983626356110631294008115727848805560023387167927233504"),
        new BigInteger("39382357235489614581723060781553021112529911719440698176882885853963445705823"));
    List<BigInteger> values = new ArrayList<>(canonical);
    values.add(P25519);
    values.add(P25519.add(BigInteger.ONE));
    List<byte[]> out = new ArrayList<>();
    for (BigInteger value : values) {
      out.add(littleEndian(value));
      out.add(littleEndian(value.setBit(255)));
    }
    return out;
  }

  private static SignedKeys signed(SessionInfo session, String id, byte[] encryption, byte[] masking,
      PrivateKey signer) {
    return new SignedKeys(id, encryption, masking,
        Ed25519Signatures.sign(signer, Transcript.keysMessage(session, id, encryption, masking)));
  }

  @Test
  void smallOrderEncodings_giveAnAllZeroSharedSecret_soTheListIsRight() {
    byte[] scalar = Curve25519.newPrivateKey(new java.security.SecureRandom());
    for (byte[] encoding : smallOrderEncodings()) {
      assertTrue(!X25519.calculateAgreement(scalar, 0, encoding, 0, new byte[32], 0),
          "not of small order: " + Arrays.toString(encoding));
    }
  }

  @Test
  void acceptKeys_refusesEverySmallOrderOrNonCanonicalKey_namingTheSite() {
    SessionInfo session = Federation.session("small-order", 1, N);
    PrivateKey signer = Identities.of("site-2").getPrivate();
    byte[] honest = Curve25519.publicKey(Curve25519.newPrivateKey(new java.security.SecureRandom()));
    for (byte[] bad : smallOrderEncodings()) {
      SecAggCoordinator coordinator = new SecAggCoordinator(session, PARAMETERS,
          NeighbourGraph.forSession(session, K), 16, 1);
      SecAggException masking = assertThrows(SecAggException.class, () -> coordinator.acceptKeys(
          signed(session, "site-2", honest, bad, signer), Identities.publicKey("site-2")));
      assertTrue(masking.getMessage().startsWith("the masking public key advertised by 'site-2' "),
          masking.getMessage());
      SecAggException encryption = assertThrows(SecAggException.class, () -> coordinator.acceptKeys(
          signed(session, "site-2", bad, honest, signer), Identities.publicKey("site-2")));
      assertTrue(encryption.getMessage().startsWith("the encryption public key advertised by 'site-2' "),
          encryption.getMessage());
    }
    // A non-canonical encoding of an ordinary point (u + p) is refused too.
    BigInteger u = new BigInteger(1, reverse(honest));
    if (u.add(P25519).bitLength() <= 255) {
      byte[] alias = littleEndian(u.add(P25519));
      SecAggCoordinator coordinator = new SecAggCoordinator(session, PARAMETERS,
          NeighbourGraph.forSession(session, K), 16, 1);
      refuses(() -> coordinator.acceptKeys(signed(session, "site-2", honest, alias, signer),
          Identities.publicKey("site-2")), "not a canonical X25519 encoding");
    }
  }

  private static byte[] reverse(byte[] bytes) {
    byte[] out = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = bytes[bytes.length - 1 - i];
    }
    return out;
  }

  @Test
  void acceptKeys_refusesASignatureByAnotherIdentity_andKeepsNothing() {
    Federation federation = federation("forged-keys");
    SignedKeys keys = federation.participants.get("site-4").advertiseKeys();
    refuses(() -> federation.coordinator.acceptKeys(keys, Identities.publicKey("site-5")),
        "the keys advertised by 'site-4' carry a signature that does not verify");
    federation.coordinator.acceptKeys(keys, Identities.publicKey("site-4"));
    assertEquals(List.of(keys), federation.coordinator.advertisedKeys());
  }

  @Test
  void acceptKeys_refusesAKeyAnotherMemberAlreadyAdvertised() {
    Federation federation = federation("copied-key");
    SignedKeys original = federation.participants.get("site-0").advertiseKeys();
    federation.coordinator.acceptKeys(original, Identities.publicKey("site-0"));
    SignedKeys copy = signed(federation.session, "site-1", original.encryptionPublicKey(),
        Curve25519.publicKey(Curve25519.newPrivateKey(new java.security.SecureRandom())),
        Identities.of("site-1").getPrivate());
    refuses(() -> federation.coordinator.acceptKeys(copy, Identities.publicKey("site-1")),
        "'site-1' advertised an X25519 key that 'site-0' already advertised");
  }

  /** M3 end to end in one process: the bad site is left out and everyone else unmasks. */
  @Test
  void siteWithBadKeys_isLeftOut_andItsNeighboursStillUnmaskTheSum() {
    Federation federation = federation("bad-keys-round");
    for (String id : federation.session.cohort()) {
      SignedKeys keys = federation.participants.get(id).advertiseKeys();
      if (id.equals("site-3")) {
        SignedKeys bad = new SignedKeys(id, keys.encryptionPublicKey(), new byte[32], keys.signature());
        refuses(() -> federation.coordinator.acceptKeys(bad, Identities.publicKey(id)), "'site-3'");
      } else {
        federation.coordinator.acceptKeys(keys, Identities.publicKey(id));
      }
    }
    federation.keys = federation.coordinator.advertisedKeys();
    Map<String, int[]> inputs = new HashMap<>();
    federation.session.cohort().forEach(id -> inputs.put(id, new int[16]));
    inputs.get("site-0")[0] = 5;
    inputs.get("site-6")[0] = 7;
    federation.share(Set.of("site-3"));
    federation.mask(inputs, Set.of("site-3"));
    federation.sign(Set.of());
    federation.reveal(Set.of());
    assertEquals(List.of(), federation.abortReasons);
    assertEquals(12, federation.coordinator.unmaskedSum()[0]);
    assertEquals(7, federation.survivors.size());
  }

  @Test
  void acceptShares_refusesAShareOfTheWrongLength_namingSenderAndRecipient() {
    Federation federation = federation("short-share");
    federation.advertise(Set.of());
    List<EncryptedShare> shares = new ArrayList<>(federation.participants.get("site-0").shareKeys(federation.keys));
    EncryptedShare first = shares.get(0);
    shares.set(0, new EncryptedShare(first.from(), first.to(), Arrays.copyOf(first.ciphertext(), 40)));
    refuses(() -> federation.coordinator.acceptShares("site-0", shares),
        "'site-0' sent '" + first.to() + "' a share of 40 bytes");
  }

  @Test
  void acceptSurvivorSignature_refusesABadSignature_soNeighboursDoNotAbort() {
    Federation federation = federation("bad-survivor-signature");
    federation.advertise(Set.of());
    federation.share(Set.of());
    federation.mask(zeros(federation), Set.of());
    for (String id : federation.survivors) {
      byte[] signature = federation.participants.get(id).signSurvivors(federation.survivors);
      if (id.equals("site-2")) {
        signature[5] ^= 1;
        byte[] bent = signature;
        refuses(() -> federation.coordinator.acceptSurvivorSignature(id, bent),
            "the survivor signature of 'site-2' does not verify");
      } else {
        federation.coordinator.acceptSurvivorSignature(id, signature);
      }
    }
    federation.signatures = federation.coordinator.survivorSignatures();
    federation.reveal(Set.of("site-2"));
    assertEquals(List.of(), federation.abortReasons, "no neighbour of site-2 aborted");
    assertEquals(0, federation.coordinator.unmaskedSum()[0]);
  }

  // --- extra shares: a wrong one is found, not silently outvoted or dropped ---

  private static final int WIDE_N = 10;
  private static final SecAggParameters WIDE = SecAggParameters.of(WIDE_N, 8, 5, 1.0, 20);

  private static Federation wide(String job) {
    SessionInfo session = Federation.session(job, 1, WIDE_N);
    return new Federation(session, WIDE, NeighbourGraph.forSession(session, 8), 4);
  }

  /** The first {@code count} neighbours of site-0, in cohort order. */
  private static List<String> neighboursOfSite0(Federation federation, int count) {
    List<String> out = new ArrayList<>();
    for (int v = 1; v < WIDE_N && out.size() < count; v++) {
      if (federation.graph.adjacent(0, v)) {
        out.add("site-" + v);
      }
    }
    return out;
  }

  /** Runs a round in which {@code lying} neighbours add 1 to chunk 2 of their seed share about site-0. */
  private static Federation roundWithWrongSeedShares(String job, int lying, Map<String, int[]> inputs) {
    Federation federation = wide(job);
    Set<String> liars = Set.copyOf(neighboursOfSite0(federation, lying));
    federation.advertise(Set.of());
    federation.share(Set.of());
    federation.mask(inputs, Set.of());
    federation.sign(Set.of());
    for (String id : federation.signatures.keySet()) {
      List<RevealedShare> shares = new ArrayList<>();
      for (RevealedShare s : federation.participants.get(id).unmask(federation.survivors, federation.dropped,
          federation.signatures)) {
        long[] values = s.values();
        if (liars.contains(id) && s.about().equals("site-0")) {
          values[2] = (values[2] + 1) % Shamir.P;
        }
        shares.add(new RevealedShare(s.from(), s.about(), s.kind(), s.x(), values));
      }
      federation.coordinator.acceptRevealedShares(id, shares);
    }
    return federation;
  }

  private static Map<String, int[]> countingInputs() {
    Map<String, int[]> inputs = new HashMap<>();
    for (int i = 0; i < WIDE_N; i++) {
      inputs.put("site-" + i, new int[] {i, 1, -i, 3});
    }
    return inputs;
  }

  @Test
  void unmaskedSum_withOneWrongSeedShareAmongExtras_discardsItNamesItsRevealerAndSumsCorrectly() {
    Federation federation = roundWithWrongSeedShares("one-wrong-seed-share", 1, countingInputs());
    String liar = neighboursOfSite0(federation, 1).get(0);
    int[] sum = federation.coordinator.unmaskedSum();
    assertArrayEquals(new int[] {45, 10, -45, 30}, sum);
    List<DiscardedShare> discarded = federation.coordinator.discardedShares();
    assertEquals(List.of(new DiscardedShare(liar, "site-0", Kind.SELF_MASK_SEED, 7)), discarded);
    assertTrue(discarded.get(0).reason().contains("either '" + liar + "' revealed a wrong share or 'site-0' dealt"
        + " it one"), discarded.get(0).reason());
  }

  @Test
  void unmaskedSum_withTwoWrongSeedShares_failsNamingTheSecretInsteadOfCorruptingTheSum() {
    Federation federation = roundWithWrongSeedShares("two-wrong-seed-shares", 2, countingInputs());
    SecAggException e = assertThrows(SecAggException.class, federation.coordinator::unmaskedSum);
    assertTrue(e.getMessage().startsWith("the 8 SELF_MASK_SEED shares revealed about 'site-0' do not lie on one"
        + " polynomial of degree 4 and no single wrong share explains it"), e.getMessage());
  }
}
