package io.factoryfl.core.secagg;

import io.factoryfl.core.secagg.RevealedShare.Kind;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The coordinator's side of a SecAgg+ round: it relays keys and encrypted shares, adds masked inputs
 * into one running sum, collects the consistency-check signatures and revealed shares, and removes
 * the masks. It learns the sum of the survivors' inputs and nothing else: it never holds an
 * individual unmasked update (masked inputs go straight into the sum and are not kept), and it
 * cannot decrypt the relayed shares.
 *
 * <p>Stages close implicitly, in order, when the next stage's first call arrives or when a stage's
 * output is read: {@link #advertisedKeys} closes key advertisement, {@link #sharesFor} closes key
 * sharing, {@link #maskedInputSenders} / {@link #dropped} close masked input, {@link
 * #survivorSignatures} closes the consistency check and {@link #unmaskedSum} closes unmasking. A
 * message for a closed stage is refused. After closing a stage, ask {@link #viable()} or {@link
 * #requireViable()} whether enough participants remain; dropouts are survived at every stage as long
 * as every survivor, and every participant that dropped after sharing, keeps t neighbours to reveal
 * its shares.
 *
 * <p>It keeps the stages consistent: shares are relayed only from participants whose keys were
 * advertised, to exactly their advertised neighbours; survivors are those whose masked input
 * arrived; dropped are those that shared keys but sent no masked input. Memory is O(d) plus
 * O(parallelism x d) during recovery, which is spread over {@code parallelism} threads.
 * Thread-safe.
 *
 * <h2>Accountability</h2>
 * Every check a neighbour would make on a message, and that the coordinator can make too, it makes
 * first, refusing the message with a reason that names the sender, so that one misbehaving site is
 * left out instead of making its honest neighbours abort: the Ed25519 signature on advertised keys
 * (against the identity key from the sender's certificate) and the X25519 keys themselves
 * (canonical, not of small order, not a copy of another member's key); the count, addressees and
 * exact length of the encrypted shares; and the signature over the survivor list. Participants still
 * make all of these checks themselves, so a coordinator that skips them gains nothing. When more
 * than t shares of a secret are revealed, the extras are checked to lie on the same polynomial;
 * one wrong share is identified and discarded ({@link #discardedShares}), more are reported, never
 * ignored.
 */
public final class SecAggCoordinator {
  /** The protocol stages, in order. */
  public enum Stage { ADVERTISE_KEYS, SHARE_KEYS, MASKED_INPUT, CONSISTENCY_CHECK, UNMASK, DONE }

  private final Cohort cohort;
  private final int dimension;
  private final int parallelism;
  private final Viability viability;

  private Stage stage = Stage.ADVERTISE_KEYS;
  private final SignedKeys[] keys;
  private final PublicKey[] identities;
  private byte[] sessionId;
  private final BitSet advertised = new BitSet();
  private final BitSet shared = new BitSet();
  private final BitSet masked = new BitSet();
  private final BitSet signed = new BitSet();
  private final BitSet revealedFrom = new BitSet();
  private final List<List<EncryptedShare>> inbox;
  private final int[] sum;
  private final Map<Integer, byte[]> signatures = new HashMap<>();
  private final ShareCollector shares;
  private int[] result;

  public SecAggCoordinator(SessionInfo session, SecAggParameters parameters, NeighbourGraph graph, int dimension) {
    this(session, parameters, graph, dimension, Runtime.getRuntime().availableProcessors());
  }

  /** {@link #SecAggCoordinator(SessionInfo, SecAggParameters, int, int)} on every processor. */
  public SecAggCoordinator(SessionInfo session, SecAggParameters parameters, int dimension) {
    this(session, parameters, dimension, Runtime.getRuntime().availableProcessors());
  }

  /**
   * A coordinator that derives the neighbour graph from the advertised keys when key advertisement
   * closes ({@link GraphSeed}), exactly as every participant does: the deployment's choice.
   *
   * @param dimension length of every masked input, the count included ({@link MaskedLayout#words}: d + 2 in a
   *     training round)
   * @param parallelism threads for the dropout recovery
   */
  public SecAggCoordinator(SessionInfo session, SecAggParameters parameters, int dimension, int parallelism) {
    this(new Cohort(session, parameters), dimension, parallelism);
  }

  /**
   * A coordinator with a given graph: for tests and benchmarks (participants in a deployment derive
   * their own and would not match).
   *
   * @param dimension length of every masked input, the count included ({@link MaskedLayout#words}: d + 2 in a
   *     training round)
   * @param parallelism threads for the dropout recovery
   */
  public SecAggCoordinator(SessionInfo session, SecAggParameters parameters, NeighbourGraph graph, int dimension,
      int parallelism) {
    this(new Cohort(session, parameters, graph), dimension, parallelism);
  }

  private SecAggCoordinator(Cohort cohort, int dimension, int parallelism) {
    this.cohort = cohort;
    if (dimension < 1) {
      throw new IllegalArgumentException("dimension must be at least 1, got " + dimension);
    }
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
    }
    this.dimension = dimension;
    this.parallelism = parallelism;
    this.viability = new Viability(cohort);
    this.keys = new SignedKeys[cohort.size()];
    this.identities = new PublicKey[cohort.size()];
    this.inbox = new ArrayList<>(cohort.size());
    for (int i = 0; i < cohort.size(); i++) {
      inbox.add(new ArrayList<>());
    }
    this.sum = new int[dimension];
    this.shares = new ShareCollector(cohort);
  }

  public synchronized Stage stage() {
    return stage;
  }

  /** The round's neighbour graph; known once key advertisement has closed ({@link #advertisedKeys}). */
  public synchronized NeighbourGraph graph() {
    return cohort.graph();
  }

  /**
   * Stage 1: a participant's signed keys, checked as its neighbours will check them.
   *
   * @param identityKey the participant's Ed25519 identity key, from the certificate it authenticated
   *     with
   * @throws SecAggException naming the participant and what is wrong: keys advertised twice, a
   *     signature that does not verify, an X25519 key that is not canonical or of small order, or a
   *     key another member already advertised; nothing is kept
   */
  public synchronized void acceptKeys(SignedKeys signedKeys, PublicKey identityKey) {
    open(Stage.ADVERTISE_KEYS, "keys");
    String id = Objects.requireNonNull(signedKeys, "keys").participant();
    Objects.requireNonNull(identityKey, "identityKey");
    int u = cohort.index(id, "advertised keys");
    if (advertised.get(u)) {
      throw new SecAggException("'" + id + "' advertised keys twice");
    }
    // The table look-ups first: they cost nothing, the signature check about 0.1 ms.
    requireUsable(id, "encryption", signedKeys.encryptionKeyView());
    requireUsable(id, "masking", signedKeys.maskingKeyView());
    byte[] message = Transcript.keysMessage(cohort.session, id, signedKeys.encryptionKeyView(),
        signedKeys.maskingKeyView());
    if (!Ed25519Signatures.verify(identityKey, message, signedKeys.signatureView())) {
      throw new SecAggException("the keys advertised by '" + id + "' carry a signature that does not verify"
          + " with the identity key in its certificate (forged, altered, or made for another job, round or"
          + " model)");
    }
    for (int v = advertised.nextSetBit(0); v >= 0; v = advertised.nextSetBit(v + 1)) {
      if (sharesKey(keys[v], signedKeys)) {
        throw new SecAggException("'" + id + "' advertised an X25519 key that '" + cohort.id(v)
            + "' already advertised; keys must be fresh per participant and round");
      }
    }
    keys[u] = signedKeys;
    identities[u] = identityKey;
    advertised.set(u);
  }

  private static void requireUsable(String id, String which, byte[] publicKey) {
    Optional<String> problem = Curve25519.publicKeyProblem(publicKey);
    if (problem.isPresent()) {
      throw new SecAggException("the " + which + " public key advertised by '" + id + "' " + problem.get()
          + "; refusing it");
    }
  }

  private static boolean sharesKey(SignedKeys a, SignedKeys b) {
    byte[][] mine = {a.encryptionKeyView(), a.maskingKeyView()};
    for (byte[] key : mine) {
      if (Arrays.equals(key, b.encryptionKeyView()) || Arrays.equals(key, b.maskingKeyView())) {
        return true;
      }
    }
    return false;
  }

  /** Closes key advertisement; the keys to broadcast, in cohort order. */
  public synchronized List<SignedKeys> advertisedKeys() {
    advance(Stage.SHARE_KEYS);
    List<SignedKeys> out = new ArrayList<>(advertised.cardinality());
    for (int u = advertised.nextSetBit(0); u >= 0; u = advertised.nextSetBit(u + 1)) {
      out.add(keys[u]);
    }
    return out;
  }

  /**
   * Stage 2: {@code from}'s encrypted shares, which must go to exactly its advertised neighbours.
   * On any inconsistency nothing is kept and {@code from} counts as dropped.
   */
  public synchronized void acceptShares(String from, List<EncryptedShare> encrypted) {
    open(Stage.SHARE_KEYS, "shares");
    int u = cohort.index(from, "shares");
    if (!advertised.get(u)) {
      throw new SecAggException("'" + from + "' sent shares but never advertised keys");
    }
    if (shared.get(u)) {
      throw new SecAggException("'" + from + "' sent its shares twice");
    }
    BitSet targets = new BitSet();
    for (EncryptedShare share : Objects.requireNonNull(encrypted, "shares")) {
      int v = cohort.index(share.to(), "a share from '" + from + "'");
      if (!from.equals(share.from())) {
        throw new SecAggException("'" + from + "' sent a share marked as from '" + share.from() + "'");
      }
      if (!advertised.get(v) || !cohort.adjacent(u, v) || targets.get(v)) {
        throw new SecAggException("'" + from + "' sent a share to '" + share.to()
            + "', which is not one of its advertised neighbours or was already addressed");
      }
      if (share.ciphertextView().length != ShareBox.SEALED_BYTES) {
        throw new SecAggException("'" + from + "' sent '" + share.to() + "' a share of "
            + share.ciphertextView().length + " bytes; a share is " + ShareBox.SEALED_BYTES
            + " bytes, and its recipient could not open this one");
      }
      targets.set(v);
    }
    int expected = cohort.neighboursIn(u, advertised);
    if (targets.cardinality() != expected) {
      throw new SecAggException("'" + from + "' sent shares to " + targets.cardinality() + " neighbours; all "
          + expected + " that advertised keys must get one");
    }
    for (EncryptedShare share : encrypted) {
      inbox.get(cohort.index(share.to(), "share")).add(share);
    }
    shared.set(u);
  }

  /** Closes key sharing; the shares addressed to {@code to}, in sender order. */
  public synchronized List<EncryptedShare> sharesFor(String to) {
    advance(Stage.MASKED_INPUT);
    return List.copyOf(inbox.get(cohort.index(to, "sharesFor")));
  }

  /** Stage 3: adds a masked input into the running sum (O(d)); the vector is not kept. */
  public synchronized void acceptMaskedInput(String from, int[] maskedInput) {
    acceptMaskedInput(from, io.factoryfl.core.params.WordSource.of(
        Objects.requireNonNull(maskedInput, "maskedInput")));
  }

  /**
   * As {@link #acceptMaskedInput(String, int[])}, with the input read in chunks (it may be on disk),
   * so only the sum is held.
   */
  public synchronized void acceptMaskedInput(String from, io.factoryfl.core.params.WordSource maskedInput) {
    open(Stage.MASKED_INPUT, "masked input");
    int u = cohort.index(from, "masked input");
    if (!shared.get(u)) {
      throw new SecAggException("'" + from + "' sent a masked input but did not share its keys");
    }
    if (masked.get(u)) {
      throw new SecAggException("'" + from + "' sent its masked input twice");
    }
    if (Objects.requireNonNull(maskedInput, "maskedInput").length() != dimension) {
      throw new SecAggException("the masked input of '" + from + "' has " + maskedInput.length()
          + " values; this round expects " + dimension);
    }
    maskedInput.forEachChunk((offset, words, count) -> {
      for (int k = 0; k < count; k++) {
        sum[(int) offset + k] += words[k];
      }
    });
    masked.set(u);
  }

  /** Closes masked input; the survivors, in cohort order. */
  public synchronized List<String> maskedInputSenders() {
    advance(Stage.CONSISTENCY_CHECK);
    return cohort.ids(masked);
  }

  /** Closes masked input; those that shared keys but sent no masked input, in cohort order. */
  public synchronized List<String> dropped() {
    advance(Stage.CONSISTENCY_CHECK);
    return cohort.ids(droppedSet());
  }

  /**
   * Stage 4: a survivor's signature over the survivor list, checked against its identity key as its
   * neighbours will check it (one bad signature would make each of them abort).
   */
  public synchronized void acceptSurvivorSignature(String from, byte[] signature) {
    open(Stage.CONSISTENCY_CHECK, "survivor signature");
    int u = cohort.index(from, "survivor signature");
    if (!masked.get(u)) {
      throw new SecAggException("'" + from + "' signed the survivor list but is not a survivor");
    }
    if (signed.get(u)) {
      throw new SecAggException("'" + from + "' signed the survivor list twice");
    }
    if (Objects.requireNonNull(signature, "signature").length != 64) {
      throw new SecAggException("the survivor signature of '" + from + "' is " + signature.length
          + " bytes, not 64");
    }
    if (!Ed25519Signatures.verify(identities[u], Transcript.survivorsMessage(sessionId, cohort.ids(masked)),
        signature)) {
      throw new SecAggException("the survivor signature of '" + from + "' does not verify with the identity"
          + " key in its certificate over this session's survivor list; it is not relayed");
    }
    signatures.put(u, signature.clone());
    signed.set(u);
  }

  /** Closes the consistency check; survivor id -> signature, in cohort order. */
  public synchronized Map<String, byte[]> survivorSignatures() {
    advance(Stage.UNMASK);
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (int u = signed.nextSetBit(0); u >= 0; u = signed.nextSetBit(u + 1)) {
      out.put(cohort.id(u), signatures.get(u).clone());
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Stage 5: a signer's revealed shares. Each must be about one of its neighbours, of the kind that
   * neighbour's fate calls for, at the signer's evaluation point; otherwise nothing is kept.
   */
  public synchronized void acceptRevealedShares(String from, List<RevealedShare> revealed) {
    open(Stage.UNMASK, "revealed shares");
    int u = cohort.index(from, "revealed shares");
    if (!signed.get(u)) {
      throw new SecAggException("'" + from + "' revealed shares but did not sign the survivor list");
    }
    if (revealedFrom.get(u)) {
      throw new SecAggException("'" + from + "' revealed its shares twice");
    }
    shares.accept(u, Objects.requireNonNull(revealed, "revealed shares"), masked, droppedSet());
    revealedFrom.set(u);
  }

  /**
   * Closes unmasking and returns the sum of the survivors' inputs modulo 2^32, with every self mask
   * and every mask involving a dropped participant removed.
   *
   * @throws SecAggException naming who lacks shares when fewer than t remain for someone, or if a
   *     reconstructed masking key does not match its advertised public key (a wrong share)
   */
  public synchronized int[] unmaskedSum() {
    advance(Stage.DONE);
    if (result == null) {
      requireViable();
      MaskRemoval removal = new MaskRemoval(cohort, sessionId, dimension);
      try {
        for (int u = masked.nextSetBit(0); u >= 0; u = masked.nextSetBit(u + 1)) {
          removal.selfMask(u, shares.reconstruct(u, Kind.SELF_MASK_SEED));
        }
        BitSet dropped = droppedSet();
        for (int w = dropped.nextSetBit(0); w >= 0; w = dropped.nextSetBit(w + 1)) {
          if (cohort.neighboursIn(w, masked) > 0) {
            removal.pairwiseMasks(w, recoverMaskingKey(w), masked, keys);
          }
        }
        int[] total = sum.clone();
        removal.run(total, parallelism);
        result = total;
      } finally {
        removal.wipe();
        shares.wipe();
      }
    }
    return result.clone();
  }

  /**
   * The revealed shares found inconsistent with the others of the same secret and left out of its
   * reconstruction, in the order found; filled by {@link #unmaskedSum}.
   */
  public synchronized List<DiscardedShare> discardedShares() {
    return shares.discarded();
  }

  /** Whether the round can still complete, judged at the last closed stage. */
  public synchronized boolean viable() {
    return shortfall().isEmpty();
  }

  /** Why the round cannot complete, judged at the last closed stage; empty while it can. */
  public synchronized Optional<String> shortfall() {
    return switch (stage) {
      case ADVERTISE_KEYS -> Optional.empty();
      case SHARE_KEYS -> viability.afterAdvertise(advertised);
      case MASKED_INPUT -> viability.afterShares(shared);
      case CONSISTENCY_CHECK -> viability.revealable("masked input", shared, masked, masked);
      case UNMASK -> viability.revealable("the consistency check", shared, masked,
          viability.expectedRevealers(signed));
      case DONE -> viability.afterUnmask(shared, masked, shares.counts(Kind.SELF_MASK_SEED),
          shares.counts(Kind.MASKING_KEY));
    };
  }

  /**
   * @throws SecAggException with the reason when the round cannot complete (see {@link #shortfall})
   */
  public synchronized void requireViable() {
    Optional<String> reason = shortfall();
    if (reason.isPresent()) {
      throw new SecAggException(reason.get());
    }
  }

  /**
   * A participant's accepted keys and the identity key they were checked against.
   *
   * @param identityKey the Ed25519 key from the participant's certificate
   */
  public record AcceptedKeys(SignedKeys keys, PublicKey identityKey) {
    public AcceptedKeys {
      Objects.requireNonNull(keys, "keys");
      Objects.requireNonNull(identityKey, "identityKey");
    }
  }

  /**
   * What this coordinator holds before any share is revealed, so that a restarted coordinator can
   * carry the session on ({@link #restore}). Nothing in it is secret to a participant: it is what
   * the coordinator relayed (keys, encrypted shares, signatures) and the sum of the masked inputs
   * it received, which it held anyway.
   *
   * @param stage the stage the coordinator was in; the stages before it are closed
   * @param keys the accepted keys, in cohort order
   * @param shares each sharer's accepted encrypted shares, in cohort order of the sharers
   * @param maskedSenders whose masked input is in {@code sum}, in cohort order
   * @param sum the running sum of their masked inputs (mod 2^32)
   * @param signatures the accepted survivor signatures, in cohort order
   */
  public record Snapshot(Stage stage, List<AcceptedKeys> keys, Map<String, List<EncryptedShare>> shares,
      List<String> maskedSenders, int[] sum, Map<String, byte[]> signatures) {
    public Snapshot {
      Objects.requireNonNull(stage, "stage");
      if (stage.compareTo(Stage.UNMASK) > 0) {
        throw new IllegalArgumentException("a snapshot is taken before unmasking, not in stage " + stage);
      }
      keys = List.copyOf(keys);
      Map<String, List<EncryptedShare>> sharesCopy = new LinkedHashMap<>();
      shares.forEach((from, list) -> sharesCopy.put(from, List.copyOf(list)));
      shares = Collections.unmodifiableMap(sharesCopy);
      maskedSenders = List.copyOf(maskedSenders);
      sum = sum.clone();
      Map<String, byte[]> signaturesCopy = new LinkedHashMap<>();
      signatures.forEach((id, signature) -> signaturesCopy.put(id, signature.clone()));
      signatures = Collections.unmodifiableMap(signaturesCopy);
    }

    @Override
    public int[] sum() {
      return sum.clone();
    }
  }

  /**
   * This coordinator's state, for {@link #restore}.
   *
   * @throws IllegalStateException once a share was revealed or the sum unmasked: a session is
   *     carried on only up to its unmask stage, whose shares every signer reveals again
   */
  public synchronized Snapshot snapshot() {
    if (stage.compareTo(Stage.UNMASK) > 0 || !revealedFrom.isEmpty()) {
      throw new IllegalStateException("the session's shares are being revealed; snapshots are taken before");
    }
    List<AcceptedKeys> accepted = new ArrayList<>();
    for (int u = advertised.nextSetBit(0); u >= 0; u = advertised.nextSetBit(u + 1)) {
      accepted.add(new AcceptedKeys(keys[u], identities[u]));
    }
    Map<String, List<EncryptedShare>> sent = new LinkedHashMap<>();
    for (int u = shared.nextSetBit(0); u >= 0; u = shared.nextSetBit(u + 1)) {
      sent.put(cohort.id(u), new ArrayList<>());
    }
    for (List<EncryptedShare> box : inbox) {
      for (EncryptedShare share : box) {
        sent.get(share.from()).add(share);
      }
    }
    Map<String, byte[]> signed = new LinkedHashMap<>();
    for (int u = this.signed.nextSetBit(0); u >= 0; u = this.signed.nextSetBit(u + 1)) {
      signed.put(cohort.id(u), signatures.get(u));
    }
    return new Snapshot(stage, accepted, sent, cohort.ids(masked), sum, signed);
  }

  /**
   * A coordinator that carries on the session {@code snapshot} was taken of, in the stage it was
   * in: keys, shares and survivor signatures are accepted again with every check ({@link
   * #acceptKeys}, {@link #acceptShares}, {@link #acceptSurvivorSignature}), and the masked-input sum
   * is taken as it was. The graph is derived from the keys, as in the original.
   *
   * @throws SecAggException if the snapshot does not fit the session (a message refused, a masked
   *     input from a participant that did not share, a sum of another length)
   */
  public static SecAggCoordinator restore(SessionInfo session, SecAggParameters parameters, int dimension,
      int parallelism, Snapshot snapshot) {
    SecAggCoordinator restored = new SecAggCoordinator(session, parameters, dimension, parallelism);
    synchronized (restored) {
      for (AcceptedKeys accepted : snapshot.keys()) {
        restored.acceptKeys(accepted.keys(), accepted.identityKey());
      }
      restored.closeIfBefore(Stage.SHARE_KEYS, snapshot.stage());
      snapshot.shares().forEach(restored::acceptShares);
      restored.closeIfBefore(Stage.MASKED_INPUT, snapshot.stage());
      if (!snapshot.maskedSenders().isEmpty()) {
        if (snapshot.stage().compareTo(Stage.MASKED_INPUT) < 0) {
          throw new SecAggException("the snapshot counts masked inputs in stage " + snapshot.stage());
        }
        for (String sender : snapshot.maskedSenders()) {
          int u = restored.cohort.index(sender, "restored masked inputs");
          if (!restored.shared.get(u)) {
            throw new SecAggException("the snapshot counts a masked input of '" + sender
                + "', who did not share its keys");
          }
          restored.masked.set(u);
        }
      }
      int[] sum = snapshot.sum();
      if (sum.length != dimension) {
        throw new SecAggException("the snapshot's sum has " + sum.length + " values; this session expects "
            + dimension);
      }
      System.arraycopy(sum, 0, restored.sum, 0, dimension);
      restored.closeIfBefore(Stage.CONSISTENCY_CHECK, snapshot.stage());
      snapshot.signatures().forEach(restored::acceptSurvivorSignature);
      restored.closeIfBefore(Stage.UNMASK, snapshot.stage());
    }
    return restored;
  }

  /** Closes the stages before {@code target} if the snapshot was taken at or after it. */
  private void closeIfBefore(Stage target, Stage snapshotStage) {
    if (snapshotStage.compareTo(target) >= 0) {
      advance(target);
    }
  }

  /** The masking key of dropped {@code w}, checked against the public key it advertised. */
  private byte[] recoverMaskingKey(int w) {
    byte[] key = shares.reconstruct(w, Kind.MASKING_KEY);
    if (!Arrays.equals(Curve25519.publicKey(key), keys[w].maskingKeyView())) {
      Arrays.fill(key, (byte) 0);
      throw new SecAggException("the masking key reconstructed for dropped participant '" + cohort.id(w)
          + "' does not match the key it advertised: at least one revealed share is wrong");
    }
    return key;
  }

  private BitSet droppedSet() {
    BitSet dropped = (BitSet) shared.clone();
    dropped.andNot(masked);
    return dropped;
  }

  private void open(Stage target, String what) {
    if (stage.compareTo(target) > 0) {
      throw new SecAggException(what + " arrived after stage " + target + " closed (now " + stage + ")");
    }
    advance(target);
  }

  private void advance(Stage target) {
    while (stage.compareTo(target) < 0) {
      if (stage == Stage.ADVERTISE_KEYS) {
        cohort.deriveGraph(keys);
        sessionId = Transcript.sessionId(cohort.session, cohort.parameters, cohort.graph(), keys);
      }
      stage = Stage.values()[stage.ordinal() + 1];
    }
  }
}
