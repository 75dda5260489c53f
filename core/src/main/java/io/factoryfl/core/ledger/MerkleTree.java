package io.factoryfl.core.ledger;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The Merkle tree of a round's contributions, as in Certificate Transparency (RFC 6962 section
 * 2.1, RFC 9162 section 2.1): leaf hash {@code SHA-256(0x00 || leaf)}, interior node {@code
 * SHA-256(0x01 || left || right)}, the left subtree holding the largest power of two of leaves
 * smaller than the total. A leaf is the 32 bytes of a contribution hash (given as 64 lower-case
 * hex digits); the tree of no leaves has root {@code SHA-256("")}. All hashes are lower-case hex.
 *
 * <p>A receipt carries the audit path of its leaf; anyone holding the root from the signed
 * round_closed record can check that the contribution is in the round with {@link #verify}.
 */
public final class MerkleTree {

  private static final HexFormat HEX = HexFormat.of();

  private MerkleTree() {}

  /**
   * The root over {@code contributionHashes} in order.
   *
   * @throws IllegalArgumentException naming the first hash that is not 64 lower-case hex digits
   */
  public static String root(List<String> contributionHashes) {
    return HEX.formatHex(rootOf(leaves(contributionHashes), 0, contributionHashes.size()));
  }

  /**
   * The audit path of leaf {@code index}: the sibling hashes from the leaf up to the root.
   *
   * @throws IllegalArgumentException if {@code index} is outside the list, or a hash is malformed
   */
  public static List<String> proof(List<String> contributionHashes, int index) {
    byte[][] leaves = leaves(contributionHashes);
    if (index < 0 || index >= leaves.length) {
      throw new IllegalArgumentException("leaf index " + index + " is outside a tree of "
          + leaves.length + " leaves");
    }
    List<byte[]> path = new ArrayList<>();
    path(leaves, index, 0, leaves.length, path);
    return path.stream().map(HEX::formatHex).toList();
  }

  /**
   * Whether {@code proof} shows that {@code contributionHash} is leaf {@code index} of a tree of
   * {@code treeSize} leaves with root {@code root} (RFC 9162 section 2.1.3.2). Malformed input is
   * simply not a valid proof.
   */
  public static boolean verify(String contributionHash, int index, int treeSize,
      List<String> proof, String root) {
    if (contributionHash == null || proof == null || root == null || index < 0
        || index >= treeSize || !isHash(contributionHash) || !isHash(root)
        || proof.stream().anyMatch(p -> !isHash(p))) {
      return false;
    }
    long fn = index;
    long sn = treeSize - 1L;
    byte[] r = leafHash(HEX.parseHex(contributionHash));
    for (String siblingHex : proof) {
      byte[] p = HEX.parseHex(siblingHex);
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = nodeHash(p, r);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        r = nodeHash(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(r, HEX.parseHex(root));
  }

  static boolean isHash(String hex) {
    return LedgerRecord.HEX64.matcher(hex).matches();
  }

  private static byte[][] leaves(List<String> contributionHashes) {
    Objects.requireNonNull(contributionHashes, "contributionHashes");
    byte[][] leaves = new byte[contributionHashes.size()][];
    for (int i = 0; i < leaves.length; i++) {
      String hash = contributionHashes.get(i);
      if (hash == null || !isHash(hash)) {
        throw new IllegalArgumentException("contribution hash " + i + " is '" + hash
            + "'; expected 64 lower-case hex digits (SHA-256)");
      }
      leaves[i] = leafHash(HEX.parseHex(hash));
    }
    return leaves;
  }

  private static byte[] rootOf(byte[][] leafHashes, int from, int to) {
    int n = to - from;
    if (n == 0) {
      return sha256().digest();
    }
    if (n == 1) {
      return leafHashes[from];
    }
    int k = largestPowerOfTwoBelow(n);
    return nodeHash(rootOf(leafHashes, from, from + k), rootOf(leafHashes, from + k, to));
  }

  private static void path(byte[][] leafHashes, int m, int from, int to, List<byte[]> out) {
    int n = to - from;
    if (n <= 1) {
      return;
    }
    int k = largestPowerOfTwoBelow(n);
    if (m < k) {
      path(leafHashes, m, from, from + k, out);
      out.add(rootOf(leafHashes, from + k, to));
    } else {
      path(leafHashes, m - k, from + k, to, out);
      out.add(rootOf(leafHashes, from, from + k));
    }
  }

  private static int largestPowerOfTwoBelow(int n) {
    return Integer.highestOneBit(n - 1);
  }

  private static byte[] leafHash(byte[] leaf) {
    MessageDigest d = sha256();
    d.update((byte) 0x00);
    return d.digest(leaf);
  }

  private static byte[] nodeHash(byte[] left, byte[] right) {
    MessageDigest d = sha256();
    d.update((byte) 0x01);
    d.update(left);
    return d.digest(right);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK provides no SHA-256", e);
    }
  }
}
