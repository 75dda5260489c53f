package io.factoryfl.core.secagg;

import io.factoryfl.core.secagg.RevealedShare.Kind;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One participant's side of a SecAgg+ round (Bell et al., CCS 2020, on Bonawitz et al., CCS 2017).
 * Each method is one stage task pulled from the coordinator; they must be called in order.
 *
 * <ol>
 *   <li>{@link #advertiseKeys}: fresh X25519 pairs (c for share encryption, s for masks), signed
 *       with the Ed25519 identity key over job, round, model hash, training binding and id.
 *   <li>{@link #shareKeys}: derives the neighbour graph from the relayed keys ({@link GraphSeed}; no
 *       graph the coordinator proposes is used), verifies its neighbours' signatures, fixes the
 *       session id (SHA-256 of all advertised keys, job, round, model hash, training binding,
 *       parameters and graph),
 *       draws the self-mask seed b, and sends each neighbour that advertised a Shamir share of b and of s_sk (threshold t),
 *       encrypted with AES-256-GCM (see {@link ShareBox}).
 *   <li>{@link #maskInput}: decrypts the shares sent to it and returns {@code x + PRG(b) + sum over
 *       neighbours v that shared of +-PRG(s_uv)} modulo 2^32; then forgets b, s_sk and c_sk.
 *   <li>{@link #signSurvivors}: signs the list of participants whose masked input arrived.
 *   <li>{@link #unmask}: for each neighbour it holds shares of, reveals the self-mask-seed share if
 *       the neighbour survived or the masking-key share if it dropped - never both, across calls.
 * </ol>
 *
 * <p>Security rules it enforces: a peer listed as both survivor and dropped, a survivor list other
 * than the one it signed, a share or signature of another session, a neighbour's bad signature,
 * fewer than t neighbours at any stage, or a request out of order all abort the round: the
 * participant zeroes its secrets and refuses every later call with the reason. Retrying {@link
 * #signSurvivors} or {@link #unmask} with the identical request is answered again. Secrets are never
 * logged; byte arrays holding them are zeroed with {@link Arrays#fill} as soon as they are used up.
 * Thread-safe (methods are synchronized).
 */
public final class SecAggParticipant {
  private enum Stage { NEW, ADVERTISED, SHARED, MASKED, SIGNED, UNMASKED, ABORTED, DESTROYED }

  private final String self;
  private final int selfIndex;
  private final Cohort cohort;
  private final PrivateKey identityKey;
  private final Function<String, PublicKey> identityKeys;
  private final SecureRandom random;
  private final Hkdf hkdf = new Hkdf();

  private Stage stage = Stage.NEW;
  private String abortReason;
  private byte[] encryptionSecret;
  private byte[] maskingSecret;
  private byte[] selfMaskSeed;
  private SignedKeys ownKeys;
  private SignedKeys[] keys;
  private byte[] sessionId;
  /** Neighbour index -> AES key of the shares it sends me; dropped after stage 3. */
  private final Map<Integer, byte[]> inboundKeys = new HashMap<>();
  private final HeldShares held;
  private BitSet signedSurvivors;
  private byte[] survivorSignature;

  /**
   * A participant that derives the neighbour graph itself from the keys relayed in stage 2 ({@link
   * GraphSeed}), as a deployment must: nothing the coordinator says about the graph is used.
   *
   * @param self this participant's id, a member of the cohort
   * @param identityKey this participant's long-term Ed25519 signing key
   * @param identityKeys a peer's Ed25519 public key, already verified by the caller (certificate
   *     chain); null if unknown
   * @param random source of all key material, seeds and nonces
   */
  public SecAggParticipant(String self, SessionInfo session, SecAggParameters parameters,
      PrivateKey identityKey, Function<String, PublicKey> identityKeys, SecureRandom random) {
    this(new Cohort(session, parameters), self, identityKey, identityKeys, random);
  }

  /**
   * A participant with a given graph: for tests and benchmarks, which need to fix the graph.
   *
   * @param graph the round's neighbour graph (see {@link NeighbourGraph#forSession})
   */
  public SecAggParticipant(String self, SessionInfo session, SecAggParameters parameters, NeighbourGraph graph,
      PrivateKey identityKey, Function<String, PublicKey> identityKeys, SecureRandom random) {
    this(new Cohort(session, parameters, graph), self, identityKey, identityKeys, random);
  }

  private SecAggParticipant(Cohort cohort, String self, PrivateKey identityKey,
      Function<String, PublicKey> identityKeys, SecureRandom random) {
    this.cohort = cohort;
    this.self = Objects.requireNonNull(self, "self");
    this.selfIndex = cohort.index(self, "the participant's own id");
    this.identityKey = Objects.requireNonNull(identityKey, "identityKey");
    this.identityKeys = Objects.requireNonNull(identityKeys, "identityKeys");
    this.random = Objects.requireNonNull(random, "random");
    this.held = new HeldShares(cohort, selfIndex);
  }

  /** Stage 1: this round's two public keys, signed. */
  public synchronized SignedKeys advertiseKeys() {
    return stage(Stage.NEW, "advertiseKeys", () -> {
      encryptionSecret = Curve25519.newPrivateKey(random);
      maskingSecret = Curve25519.newPrivateKey(random);
      byte[] encryptionKey = Curve25519.publicKey(encryptionSecret);
      byte[] maskingKey = Curve25519.publicKey(maskingSecret);
      byte[] signature = Ed25519Signatures.sign(identityKey,
          Transcript.keysMessage(cohort.session, self, encryptionKey, maskingKey));
      ownKeys = new SignedKeys(self, encryptionKey, maskingKey, signature);
      stage = Stage.ADVERTISED;
      return ownKeys;
    });
  }

  /**
   * Stage 2: the encrypted shares for each neighbour that advertised keys.
   *
   * @param cohortKeys the keys of every cohort member that advertised (absent = dropped)
   * @throws SecAggException on a bad neighbour signature, keys not in the cohort or repeated, my own
   *     keys missing or altered, or fewer than t neighbours
   */
  public synchronized List<EncryptedShare> shareKeys(List<SignedKeys> cohortKeys) {
    return stage(Stage.ADVERTISED, "shareKeys", () -> {
      keys = new SignedKeys[cohort.size()];
      for (SignedKeys k : Objects.requireNonNull(cohortKeys, "cohortKeys")) {
        int index = cohort.index(k.participant(), "the cohort keys");
        if (keys[index] != null) {
          throw new SecAggException("the cohort keys list '" + k.participant() + "' twice");
        }
        keys[index] = k;
      }
      if (keys[selfIndex] == null || !keys[selfIndex].sameKeys(ownKeys)) {
        throw new SecAggException("the cohort keys do not carry the keys I advertised for '" + self + "'");
      }
      cohort.deriveGraph(keys);
      List<Integer> live = new ArrayList<>();
      for (int v : cohort.neighbours(selfIndex)) {
        if (keys[v] != null) {
          verifyKeys(keys[v]);
          live.add(v);
        }
      }
      requireThreshold(live.size(), "neighbours advertised keys");
      sessionId = Transcript.sessionId(cohort.session, cohort.parameters, cohort.graph(), keys);
      selfMaskSeed = new byte[Shamir.SECRET_BYTES];
      random.nextBytes(selfMaskSeed);
      long[] xs = live.stream().mapToLong(Cohort::x).toArray();
      long[][] seedSplit = null;
      long[][] keySplit = null;
      List<EncryptedShare> out = new ArrayList<>(live.size());
      try {
        seedSplit = Shamir.split(selfMaskSeed, cohort.threshold(), xs, random);
        keySplit = Shamir.split(maskingSecret, cohort.threshold(), xs, random);
        for (int i = 0; i < live.size(); i++) {
          int v = live.get(i);
          String peer = cohort.id(v);
          byte[] shared = Curve25519.agree(encryptionSecret, keys[v].encryptionKeyView(), peer);
          byte[] outbound = ShareBox.key(hkdf, shared, sessionId, self, peer);
          inboundKeys.put(v, ShareBox.key(hkdf, shared, sessionId, peer, self));
          byte[] payload = ShareBox.encodePayload(xs[i], seedSplit[i], keySplit[i]);
          out.add(new EncryptedShare(self, peer,
              ShareBox.seal(outbound, Transcript.shareAad(sessionId, self, peer), payload, random)));
          wipe(shared, outbound, payload);
        }
      } finally {
        // Also when a neighbour's key fails half-way: no share of b or s_sk outlives this call.
        Shamir.wipe(seedSplit);
        Shamir.wipe(keySplit);
      }
      encryptionSecret = wipe(encryptionSecret);
      stage = Stage.SHARED;
      return out;
    });
  }

  /**
   * Stage 3: the masked input {@code encodedInput + PRG(b) +- pairwise masks} modulo 2^32.
   *
   * @param received the shares addressed to me from neighbours that completed stage 2
   * @param encodedInput the fixed-point input ({@link FixedPoint#encode}); not modified
   * @throws SecAggException if a share is not for me, not from a neighbour that advertised, repeated,
   *     does not authenticate, or if fewer than t arrived
   */
  public synchronized int[] maskInput(List<EncryptedShare> received, int[] encodedInput) {
    return stage(Stage.SHARED, "maskInput", () -> {
      Objects.requireNonNull(encodedInput, "encodedInput");
      for (EncryptedShare share : Objects.requireNonNull(received, "received")) {
        if (!self.equals(share.to())) {
          throw new SecAggException("received a share addressed to '" + share.to() + "', not to me");
        }
        int from = cohort.index(share.from(), "a received share");
        byte[] key = inboundKeys.get(from);
        if (key == null) {
          throw new SecAggException("received a share from '" + share.from() + "', who is not a neighbour"
              + " that advertised keys");
        }
        if (held.holds(from)) {
          throw new SecAggException("received two shares from '" + share.from() + "'");
        }
        byte[] payload = ShareBox.open(key, Transcript.shareAad(sessionId, share.from(), self),
            share.ciphertextView(), share.from());
        long[] seedShare = new long[Shamir.CHUNKS];
        long[] keyShare = new long[Shamir.CHUNKS];
        try {
          ShareBox.decodePayload(payload, Cohort.x(selfIndex), seedShare, keyShare, share.from());
        } finally {
          wipe(payload);
        }
        held.put(from, seedShare, keyShare);
      }
      requireThreshold(held.size(), "neighbours sent me their shares");
      int[] masked = encodedInput.clone();
      MaskStream stream = new MaskStream();
      byte[] selfKey = MaskKeys.self(hkdf, selfMaskSeed, sessionId, self);
      stream.apply(selfKey, masked, false);
      wipe(selfKey);
      for (int v : held.senders()) {
        String[] pair = cohort.orderedPair(selfIndex, v);
        byte[] shared = Curve25519.agree(maskingSecret, keys[v].maskingKeyView(), cohort.id(v));
        byte[] maskKey = MaskKeys.pairwise(hkdf, shared, sessionId, pair[0], pair[1]);
        stream.apply(maskKey, masked, selfIndex > v);
        wipe(shared, maskKey);
      }
      stream.wipe();
      selfMaskSeed = wipe(selfMaskSeed);
      maskingSecret = wipe(maskingSecret);
      wipeInboundKeys();
      stage = Stage.MASKED;
      return masked;
    });
  }

  /**
   * Stage 4 (consistency check): my Ed25519 signature over the session id and the survivors.
   *
   * @throws SecAggException if the list is not a set of cohort members that includes me, names a
   *     neighbour whose shares I never got, leaves me fewer than t surviving neighbours, or differs
   *     from a list I signed before
   */
  public synchronized byte[] signSurvivors(List<String> survivors) {
    if (stage == Stage.SIGNED) {
      return guarded(() -> {
        if (!cohort.members(survivors, "the survivor list").equals(signedSurvivors)) {
          throw new SecAggException("asked to sign a second, different survivor list");
        }
        return survivorSignature.clone();
      });
    }
    return stage(Stage.MASKED, "signSurvivors", () -> {
      BitSet set = cohort.members(survivors, "the survivor list");
      if (!set.get(selfIndex)) {
        throw new SecAggException("the survivor list leaves me out although I sent my masked input");
      }
      for (int i = set.nextSetBit(0); i >= 0; i = set.nextSetBit(i + 1)) {
        if (keys[i] == null) {
          throw new SecAggException("the survivor list names '" + cohort.id(i) + "', who never advertised keys");
        }
        if (cohort.adjacent(selfIndex, i) && !held.holds(i)) {
          throw new SecAggException("the survivor list names neighbour '" + cohort.id(i)
              + "', who never sent me its shares and so cannot have masked its input with me");
        }
      }
      requireThreshold(cohort.neighboursIn(selfIndex, set), "neighbours survived");
      signedSurvivors = set;
      survivorSignature = Ed25519Signatures.sign(identityKey, Transcript.survivorsMessage(sessionId, cohort.ids(set)));
      stage = Stage.SIGNED;
      return survivorSignature.clone();
    });
  }

  /**
   * Stage 5: my shares of the neighbours' secrets - self-mask-seed shares for survivors, masking-key
   * shares for those that dropped after sharing.
   *
   * @param survivorSignatures survivor id -> its signature from {@link #signSurvivors}
   * @throws SecAggException if a peer is listed as both, a share of the other kind was revealed
   *     before, the survivors differ from the signed list, a neighbour I hold shares of is in neither
   *     list, a signature is invalid or fewer than t surviving neighbours signed
   */
  public synchronized List<RevealedShare> unmask(List<String> survivors, List<String> dropped,
      Map<String, byte[]> survivorSignatures) {
    if (stage != Stage.UNMASKED) {
      requireStage(Stage.SIGNED, "unmask");
    }
    return guarded(() -> {
      BitSet alive = cohort.members(survivors, "the survivor list");
      BitSet gone = cohort.members(dropped, "the dropped list");
      Map<Integer, Kind> request = held.request(alive, gone);
      if (!alive.equals(signedSurvivors)) {
        throw new SecAggException("the survivor list differs from the one I signed");
      }
      verifySurvivorSignatures(alive, Objects.requireNonNull(survivorSignatures, "survivorSignatures"));
      List<RevealedShare> out = held.reveal(request);
      stage = Stage.UNMASKED;
      return out;
    });
  }

  /**
   * Zeroes every secret, including the revealed shares kept for retries; later calls are refused.
   * Call it when the round ends, however it ends. Idempotent.
   */
  public synchronized void destroy() {
    wipeSecrets();
    if (stage != Stage.ABORTED) {
      stage = Stage.DESTROYED;
    }
  }

  private void verifyKeys(SignedKeys k) {
    String peer = k.participant();
    PublicKey identity = identityKeys.apply(peer);
    if (identity == null) {
      throw new SecAggException("no identity key is known for neighbour '" + peer + "'");
    }
    byte[] message = Transcript.keysMessage(cohort.session, peer, k.encryptionKeyView(), k.maskingKeyView());
    if (!Ed25519Signatures.verify(identity, message, k.signatureView())) {
      throw new SecAggException("the keys of neighbour '" + peer + "' carry an invalid signature (forged,"
          + " altered, or from another job, round or model, or made for another training binding: the"
          + " coordinator may have given sites different training settings)");
    }
    if (Arrays.equals(k.encryptionKeyView(), ownKeys.encryptionKeyView())
        || Arrays.equals(k.maskingKeyView(), ownKeys.maskingKeyView())) {
      throw new SecAggException("neighbour '" + peer + "' advertised my own public key");
    }
  }

  private void verifySurvivorSignatures(BitSet alive, Map<String, byte[]> signatures) {
    byte[] message = Transcript.survivorsMessage(sessionId, cohort.ids(alive));
    int valid = 0;
    for (Map.Entry<String, byte[]> entry : signatures.entrySet()) {
      int signer = cohort.index(entry.getKey(), "the survivor signatures");
      if (!alive.get(signer)) {
        throw new SecAggException("the survivor signatures include '" + entry.getKey() + "', who is not a survivor");
      }
      if (!cohort.adjacent(selfIndex, signer)) {
        continue;
      }
      PublicKey identity = identityKeys.apply(entry.getKey());
      byte[] signature = Objects.requireNonNull(entry.getValue(), "signature");
      if (identity == null || !Ed25519Signatures.verify(identity, message, signature)) {
        throw new SecAggException("the signature of '" + entry.getKey() + "' over the survivor list does not"
            + " verify: it saw a different list or session");
      }
      valid++;
    }
    requireThreshold(valid, "surviving neighbours signed the survivor list");
  }

  private void requireThreshold(int count, String what) {
    if (count < cohort.threshold()) {
      throw new SecAggException("only " + count + " of my " + cohort.parameters.neighbours() + " " + what
          + "; the threshold is " + cohort.threshold());
    }
  }

  private <T> T stage(Stage expected, String call, Supplier<T> body) {
    requireStage(expected, call);
    return guarded(body);
  }

  private void requireStage(Stage expected, String call) {
    if (stage == Stage.ABORTED) {
      throw new SecAggException("'" + self + "' aborted this round earlier: " + abortReason);
    }
    if (stage == Stage.DESTROYED) {
      throw new SecAggException("'" + self + "' has destroyed its round secrets; " + call + " is refused");
    }
    if (stage != expected) {
      SecAggException e = new SecAggException(call + " was requested in stage " + stage + "; it belongs after "
          + expected + ". Requests out of order abort the round");
      abort(e.getMessage());
      throw e;
    }
  }

  private <T> T guarded(Supplier<T> body) {
    if (stage == Stage.ABORTED || stage == Stage.DESTROYED) {
      requireStage(stage, "this call");
    }
    try {
      return body.get();
    } catch (RuntimeException e) {
      abort(e.getMessage());
      throw e;
    }
  }

  private void abort(String reason) {
    abortReason = reason;
    wipeSecrets();
    stage = Stage.ABORTED;
  }

  private void wipeSecrets() {
    encryptionSecret = wipe(encryptionSecret);
    maskingSecret = wipe(maskingSecret);
    selfMaskSeed = wipe(selfMaskSeed);
    wipeInboundKeys();
    held.wipe();
  }

  private void wipeInboundKeys() {
    for (byte[] key : inboundKeys.values()) {
      Arrays.fill(key, (byte) 0);
    }
    inboundKeys.clear();
  }

  private static byte[] wipe(byte[]... secrets) {
    for (byte[] secret : secrets) {
      if (secret != null) {
        Arrays.fill(secret, (byte) 0);
      }
    }
    return null;
  }
}
