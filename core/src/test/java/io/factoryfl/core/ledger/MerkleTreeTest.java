package io.factoryfl.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class MerkleTreeTest {

  private static final HexFormat HEX = HexFormat.of();

  private static List<String> leaves(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(LedgerFixture.hash("contribution " + i));
    }
    return out;
  }

  private static byte[] sha(int prefix, byte[]... parts) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    d.update((byte) prefix);
    for (byte[] p : parts) {
      d.update(p);
    }
    return d.digest();
  }

  /** RFC 6962 section 2.1, written out literally as a second opinion. */
  private static byte[] reference(List<String> leaves) throws Exception {
    int n = leaves.size();
    if (n == 1) {
      return sha(0, HEX.parseHex(leaves.get(0)));
    }
    int k = 1;
    while (k * 2 < n) {
      k *= 2;
    }
    return sha(1, reference(leaves.subList(0, k)), reference(leaves.subList(k, n)));
  }

  @Test
  void root_ofNoContributionsIsTheHashOfTheEmptyString() {
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        MerkleTree.root(List.of()));
  }

  @Test
  void root_matchesTheRfc6962DefinitionForEveryTreeSizeUpTo33() throws Exception {
    for (int n = 1; n <= 33; n++) {
      List<String> leaves = leaves(n);
      assertEquals(HEX.formatHex(reference(leaves)), MerkleTree.root(leaves), "n=" + n);
    }
  }

  @Test
  void root_dependsOnLeafOrder() {
    List<String> leaves = leaves(3);
    List<String> swapped = List.of(leaves.get(1), leaves.get(0), leaves.get(2));
    assertFalse(MerkleTree.root(leaves).equals(MerkleTree.root(swapped)));
  }

  @Test
  void proof_verifiesForEveryLeafOfEveryTreeSize() {
    for (int n = 1; n <= 33; n++) {
      List<String> leaves = leaves(n);
      String root = MerkleTree.root(leaves);
      for (int i = 0; i < n; i++) {
        List<String> proof = MerkleTree.proof(leaves, i);
        assertTrue(MerkleTree.verify(leaves.get(i), i, n, proof, root), "n=" + n + " i=" + i);
      }
    }
  }

  @Test
  void verify_refusesAnotherLeafIndexSizeRootOrContribution() {
    List<String> leaves = leaves(7);
    String root = MerkleTree.root(leaves);
    List<String> proof = MerkleTree.proof(leaves, 4);
    assertTrue(MerkleTree.verify(leaves.get(4), 4, 7, proof, root));
    assertFalse(MerkleTree.verify(leaves.get(3), 4, 7, proof, root));
    assertFalse(MerkleTree.verify(leaves.get(4), 5, 7, proof, root));
    // (a proof can also fit a larger tree whose extra leaves hide in the last subtree, as in
    // RFC 9162; receipts sign the tree size and the verifier compares it with the round's)
    assertFalse(MerkleTree.verify(leaves.get(4), 4, 5, proof, root));
    assertFalse(MerkleTree.verify(leaves.get(4), 4, 7, proof, MerkleTree.root(leaves(6))));
    assertFalse(MerkleTree.verify(leaves.get(4), 4, 7, proof.subList(0, 2), root));
    List<String> bent = new ArrayList<>(proof);
    bent.set(1, leaves.get(0));
    assertFalse(MerkleTree.verify(leaves.get(4), 4, 7, bent, root));
    assertFalse(MerkleTree.verify("not hex", 4, 7, proof, root));
    assertFalse(MerkleTree.verify(leaves.get(4), 7, 7, proof, root));
  }

  @Test
  void root_namesAMalformedContributionHash() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MerkleTree.root(List.of(LedgerFixture.hash("a"), "ABC")));
    assertTrue(e.getMessage().contains("contribution hash 1 is 'ABC'"), e.getMessage());
  }

  @Test
  void proof_refusesAnIndexOutsideTheTree() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MerkleTree.proof(leaves(3), 3));
    assertTrue(e.getMessage().contains("leaf index 3 is outside a tree of 3 leaves"));
  }
}
