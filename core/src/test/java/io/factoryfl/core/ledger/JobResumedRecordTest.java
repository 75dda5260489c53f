package io.factoryfl.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job_resumed record may say that the job carries on the secure session of the attempt that was
 * in progress (continued_attempt), and only of that attempt; the verifier reports it.
 */
class JobResumedRecordTest {
  @TempDir Path tmp;
  private LedgerFixture fx;

  @BeforeEach
  void setUp() {
    fx = LedgerFixture.create(tmp);
  }

  private static Map<String, Object> resumed(int continuedAttempt, int nextRound) {
    return LedgerFixture.fields("job_id", "j1", "committed_round", 0, "model_hash", "", "next_round", nextRound,
        "continued_attempt", continuedAttempt);
  }

  @Test
  void aResumedJob_continuesOnlyTheSecureSessionOfTheAttemptInProgress() throws Exception {
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      w.append("job_submitted", Map.of("job_id", "j1", "name", "n", "spec_hash", LedgerFixture.hash("j1"),
          "by", "alice"));
      w.appendSigned("job_interrupted", LedgerFixture.fields("job_id", "j1", "round", 1, "last_attempt", 2,
          "detail", "attempt 2 of round 1 was in the unmask stage of its secure session, which continues"));
      for (Map<String, Object> wrong : java.util.List.of(resumed(1, 1), resumed(3, 1), resumed(2, 2),
          resumed(0, 1))) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> w.appendSigned("job_resumed", wrong), wrong.toString());
        assertTrue(e.getMessage().contains("continued_attempt"), e.getMessage());
      }
      w.appendSigned("job_resumed", resumed(2, 1));
    }

    java.nio.file.Files.createDirectories(fx.receipts);
    Verification verification = LedgerVerifier.verify(fx.ledger, fx.ca.certificate(), fx.receipts, fx.verifyClock);

    assertTrue(verification.ok(), verification.problem());
    assertEquals(1, verification.interruptions().size());
    assertTrue(verification.interruptions().get(0).endsWith(
        "resumed from round 0, continuing the secure session of attempt 2"), verification.interruptions().get(0));
  }
}
