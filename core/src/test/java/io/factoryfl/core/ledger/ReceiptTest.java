package io.factoryfl.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReceiptTest {

  @TempDir Path tmp;

  private static final List<String> HASHES = List.of(LedgerFixture.hash("a"),
      LedgerFixture.hash("b"), LedgerFixture.hash("c"));

  private static Receipt receipt(SigningIdentity coordinator, int index) {
    return Receipt.sign("job-1", 2, "plant-" + index, HASHES.get(index), index, HASHES.size(),
        MerkleTree.proof(HASHES, index), MerkleTree.root(HASHES), 17, coordinator);
  }

  @Test
  void receipt_survivesJsonAndVerifiesWithTheCoordinatorKey() {
    LedgerFixture fx = LedgerFixture.create(tmp);
    Receipt r = receipt(fx.coordinator, 1);

    Receipt back = Receipt.fromJson(r.toJson());

    assertEquals(r, back);
    assertTrue(back.verify(fx.coordinator.publicKey()));
    assertTrue(r.toJson().startsWith("{\"contribution_hash\":\"" + HASHES.get(1) + "\","));
    assertTrue(r.toJson().endsWith("\"tree_size\":3,\"type\":\"receipt\"}"));
  }

  @Test
  void verify_refusesAnotherKeyAChangedFieldOrABrokenProof() {
    LedgerFixture fx = LedgerFixture.create(tmp);
    Receipt r = receipt(fx.coordinator, 1);
    PublicKey other = SigningIdentity.of(fx.ca.issue("other", Role.COORDINATOR,
        Duration.ofDays(1), List.of())).publicKey();
    assertFalse(r.verify(other));
    Receipt otherRound = new Receipt(r.jobId(), 3, r.participant(), r.contributionHash(),
        r.leafIndex(), r.treeSize(), r.proof(), r.merkleRoot(), r.roundClosedSequence(),
        r.signature());
    assertFalse(otherRound.verify(fx.coordinator.publicKey()));
    Receipt wrongLeaf = Receipt.sign(r.jobId(), r.round(), r.participant(), HASHES.get(0),
        r.leafIndex(), r.treeSize(), r.proof(), r.merkleRoot(), r.roundClosedSequence(),
        fx.coordinator);
    assertFalse(wrongLeaf.verify(fx.coordinator.publicKey()), "signed, but not in the tree");
  }

  @Test
  void fromJson_namesWhatIsWrong() {
    IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
        () -> Receipt.fromJson("{\"type\":\"ledger_head\"}"));
    assertTrue(type.getMessage().contains("\"type\" is not \"receipt\""), type.getMessage());
    LedgerFixture fx = LedgerFixture.create(tmp);
    String json = receipt(fx.coordinator, 0).toJson();
    IllegalArgumentException extra = assertThrows(IllegalArgumentException.class,
        () -> Receipt.fromJson(json.replace("{", "{\"attempt\":0,")));
    assertTrue(extra.getMessage().contains("unexpected member \"attempt\""), extra.getMessage());
    IllegalArgumentException leaf = assertThrows(IllegalArgumentException.class,
        () -> Receipt.fromJson(json.replace("\"leaf_index\":0", "\"leaf_index\":3")));
    assertTrue(leaf.getMessage().contains("leafIndex 3 must be within a tree of 3 leaves"),
        leaf.getMessage());
  }

  @Test
  void forRound_issuesOneReceiptPerContributorInLeafOrder() throws IOException {
    LedgerFixture fx = LedgerFixture.create(tmp).writeStandard();
    List<Receipt> plant2 = ReceiptLog.open(fx.receipts.resolve("plant-2.jsonl")).read();
    assertEquals(3, plant2.size());
    assertEquals(List.of(1, 2, 3), plant2.stream().map(Receipt::round).toList());
    for (Receipt r : plant2) {
      assertEquals(1, r.leafIndex());
      assertTrue(r.verify(fx.coordinator.publicKey()));
    }
    assertEquals(2, ReceiptLog.open(fx.receipts.resolve("plant-4.jsonl")).read().size());
  }

  @Test
  void receiptLog_appendsDurablyAndSurvivesATornLastLine() throws IOException {
    LedgerFixture fx = LedgerFixture.create(tmp);
    ReceiptLog log = ReceiptLog.open(tmp.resolve("site/receipts.jsonl"));
    assertEquals(List.of(), log.read());
    log.append(receipt(fx.coordinator, 0));
    Files.writeString(log.file(), "{\"contribution_h", StandardOpenOption.APPEND);
    assertEquals(1, log.read().size(), "the torn line is skipped");

    log.append(receipt(fx.coordinator, 1));

    assertEquals(List.of(receipt(fx.coordinator, 0), receipt(fx.coordinator, 1)), log.read());
    assertEquals(2, Files.readAllLines(log.file(), StandardCharsets.UTF_8).size());
  }

  @Test
  void receiptLog_namesAMalformedLine() throws IOException {
    ReceiptLog log = ReceiptLog.open(tmp.resolve("r.jsonl"));
    Files.writeString(log.file(), "{\"type\":\"receipt\"}\n");
    IOException e = assertThrows(IOException.class, log::read);
    assertTrue(e.getMessage().contains("r.jsonl line 1: receipt \"proof\""), e.getMessage());
  }
}
