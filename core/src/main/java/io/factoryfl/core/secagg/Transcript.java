package io.factoryfl.core.secagg;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The exact bytes that are signed, hashed and bound as associated data. Every field is
 * length-prefixed (strings as 4-byte length + UTF-8, integers big-endian), and every message starts
 * with its own domain-separation label, so no two different messages share an encoding.
 *
 * <pre>
 * keys signature   = Ed25519(label "FactoryFL SecAgg+ v1 advertise keys", jobId, round, modelHash,
 *                            training binding digest, participant, c_pk, s_pk)
 * session id       = SHA-256(label "FactoryFL SecAgg+ v1 session", jobId, round, modelHash,
 *                            training binding digest, k, t, clip, bits, graph fingerprint, n,
 *                            for each cohort member in order: id, present?, [c_pk, s_pk])
 * share AAD        = session id, from, to
 * survivors sig.   = Ed25519(label "FactoryFL SecAgg+ v1 survivors", session id, count,
 *                            survivor ids in cohort order)
 * training binding = see {@link TrainingBinding}
 * HKDF info        = label ("... share encryption" | "... pairwise mask" | "... self mask"), ids
 * </pre>
 */
final class Transcript {
  static final String KEYS_LABEL = "FactoryFL SecAgg+ v1 advertise keys";
  static final String SESSION_LABEL = "FactoryFL SecAgg+ v1 session";
  static final String SURVIVORS_LABEL = "FactoryFL SecAgg+ v1 survivors";
  static final String SHARE_ENCRYPTION_LABEL = "FactoryFL SecAgg+ v1 share encryption";
  static final String PAIRWISE_MASK_LABEL = "FactoryFL SecAgg+ v1 pairwise mask";
  static final String SELF_MASK_LABEL = "FactoryFL SecAgg+ v1 self mask";

  private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

  Transcript(String label) {
    string(label);
  }

  Transcript string(String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    integer(bytes.length);
    out.writeBytes(bytes);
    return this;
  }

  Transcript integer(int value) {
    out.write(value >>> 24);
    out.write(value >>> 16);
    out.write(value >>> 8);
    out.write(value);
    return this;
  }

  Transcript bytes(byte[] value) {
    integer(value.length);
    out.writeBytes(value);
    return this;
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  /** The message a participant signs to advertise its two round keys. */
  static byte[] keysMessage(SessionInfo session, String participant, byte[] encryptionKey, byte[] maskingKey) {
    return new Transcript(KEYS_LABEL).string(session.jobId()).integer(session.round())
        .string(session.modelHash()).bytes(session.training().digestView()).string(participant).bytes(encryptionKey).bytes(maskingKey)
        .toByteArray();
  }

  /** The message a survivor signs in the consistency check; survivors in cohort order. */
  static byte[] survivorsMessage(byte[] sessionId, List<String> survivorsInCohortOrder) {
    Transcript transcript = new Transcript(SURVIVORS_LABEL).bytes(sessionId)
        .integer(survivorsInCohortOrder.size());
    for (String id : survivorsInCohortOrder) {
      transcript.string(id);
    }
    return transcript.toByteArray();
  }

  /** Associated data of a share ciphertext. */
  static byte[] shareAad(byte[] sessionId, String from, String to) {
    return new Transcript("FactoryFL SecAgg+ v1 share").bytes(sessionId).string(from).string(to).toByteArray();
  }

  /**
   * The session id. {@code keys[i]} is cohort member i's advertised keys or null if it did not
   * advertise.
   */
  static byte[] sessionId(SessionInfo session, SecAggParameters parameters, NeighbourGraph graph, SignedKeys[] keys) {
    MessageDigest digest = sha256();
    update(digest, SESSION_LABEL);
    update(digest, session.jobId());
    update(digest, session.round());
    update(digest, session.modelHash());
    digest.update(session.training().digestView());
    update(digest, parameters.neighbours());
    update(digest, parameters.threshold());
    digest.update(ByteBuffer.allocate(8).putLong(Double.doubleToLongBits(parameters.clip())).array());
    update(digest, parameters.bits());
    digest.update(graph.fingerprint());
    update(digest, session.size());
    for (int i = 0; i < session.size(); i++) {
      update(digest, session.cohort().get(i));
      SignedKeys k = keys[i];
      digest.update((byte) (k == null ? 0 : 1));
      if (k != null) {
        digest.update(k.encryptionKeyView());
        digest.update(k.maskingKeyView());
      }
    }
    return digest.digest();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK provides no SHA-256", e);
    }
  }

  static void update(MessageDigest digest, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    update(digest, bytes.length);
    digest.update(bytes);
  }

  static void update(MessageDigest digest, int value) {
    digest.update(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
  }
}
