package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.ledger.LedgerVerifier;
import io.factoryfl.core.ledger.LedgerWriter;
import io.factoryfl.core.ledger.Verification;
import io.factoryfl.core.security.Pem;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The round log a simulated federation leaves behind, fetched by an auditor over the Audit
 * service, verifies offline with the sites' receipts, and stops verifying after any one byte of
 * a record is changed or any one line is deleted.
 */
class AuditTrailEndToEndTest {
  @TempDir static Path temp;
  static Path out;
  static X509Certificate ca;

  @BeforeAll
  @Timeout(180)
  static void simulate() throws Exception {
    out = temp.resolve("run");
    SimulationConfig config = new SimulationConfig(3, 2, 13, out, null, 1, 64, 0.003, List.of(16), 30,
        List.of(), true, Map.of(), 0);
    new SimulationRunner(config, new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8)).run();
    ca = Pem.readCertificate(out.resolve("ca.pem"));
  }

  private Verification verify(Path ledger) throws Exception {
    return LedgerVerifier.verify(ledger, ca, out.resolve("receipts"), Clock.systemUTC());
  }

  /** A copy of the ledger (and its signed head) that a test may damage. */
  private Path copy(String name) throws Exception {
    Path ledger = temp.resolve(name + ".jsonl");
    Files.copy(out.resolve("ledger.jsonl"), ledger, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(LedgerWriter.headFile(out.resolve("ledger.jsonl")), LedgerWriter.headFile(ledger),
        StandardCopyOption.REPLACE_EXISTING);
    return ledger;
  }

  @Test
  void untouchedLog_verifiesWithEveryReceipt() throws Exception {
    Verification result = verify(out.resolve("ledger.jsonl"));
    assertTrue(result.ok(), result.problem());
    assertEquals(2, result.rounds());
    assertEquals(6, result.receipts(), "3 sites x 2 rounds");
  }

  @Test
  void anyOneByteChanged_failsAndNamesTheRecord() throws Exception {
    byte[] original = Files.readAllBytes(out.resolve("ledger.jsonl"));
    int lines = 0;
    for (byte b : original) {
      lines += b == '\n' ? 1 : 0;
    }
    // One position in every record: a different byte each time, over the whole file.
    List<Integer> positions = new ArrayList<>();
    int lineStart = 0;
    for (int i = 0, line = 0; i < original.length; i++) {
      if (original[i] == '\n') {
        positions.add(lineStart + (line * 37) % Math.max(1, i - lineStart));
        lineStart = i + 1;
        line++;
      }
    }
    assertEquals(lines, positions.size());
    for (int position : positions) {
      byte[] damaged = original.clone();
      damaged[position] = (byte) (damaged[position] == 'a' ? 'b' : 'a');
      Path ledger = copy("byte-" + position);
      Files.write(ledger, damaged);
      Verification result = verify(ledger);
      assertFalse(result.ok(), "changing byte " + position + " went unnoticed");
      assertTrue(result.problem().matches("(?s)(record|line) [0-9]+.*"),
          "the problem names the record: " + result.problem());
    }
  }

  @Test
  void anyOneLineDeleted_fails() throws Exception {
    List<String> lines = Files.readAllLines(out.resolve("ledger.jsonl"), StandardCharsets.UTF_8);
    for (int deleted = 0; deleted < lines.size(); deleted++) {
      List<String> kept = new ArrayList<>(lines);
      kept.remove(deleted);
      Path ledger = copy("deleted-" + deleted);
      Files.write(ledger, kept, StandardCharsets.UTF_8);
      Verification result = verify(ledger);
      assertFalse(result.ok(), "deleting line " + (deleted + 1) + " went unnoticed");
    }
  }
}
