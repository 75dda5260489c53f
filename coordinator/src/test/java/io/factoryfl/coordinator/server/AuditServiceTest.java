package io.factoryfl.coordinator.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.admin.AuditClient;
import io.factoryfl.core.ledger.LedgerVerifier;
import io.factoryfl.core.ledger.LedgerWriter;
import io.factoryfl.core.ledger.Verification;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Auditors read round logs from disk, so jobs from before a coordinator restart stay auditable. */
class AuditServiceTest {
  @TempDir Path data;

  @Test
  void roundLogOfAJobFromBeforeARestart_isServedAndVerifies() throws Exception {
    CertificateAuthority ca =
        CertificateAuthority.create("audit", Clock.systemUTC(), Duration.ofDays(2), new SecureRandom());
    SigningIdentity coordinator = SigningIdentity.of(
        ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1), List.of("localhost")));
    String jobId = "job-0123456789ab";
    // A job the previous coordinator process ran: its log is all that is left of it.
    try (LedgerWriter ledger = LedgerWriter.open(data.resolve("ledgers").resolve(jobId + ".jsonl"),
        coordinator, Clock.systemUTC())) {
      ledger.append("job_submitted", Map.of("job_id", jobId, "name", "old", "spec_hash",
          "0".repeat(64), "by", "engineer"));
      ledger.appendSigned("job_finished", Map.of("job_id", jobId, "state", "CANCELLED",
          "message", "coordinator shutting down", "model_hash", ""));
    }

    String name = InProcessServerBuilder.generateName();
    CoordinatorServer server = CoordinatorServer.assemble(InProcessServerBuilder.forName(name), data,
        Clock.systemUTC(), Duration.ofSeconds(30),
        AuthenticationInterceptor.fixedIdentity(new PeerIdentity("auditor", Role.AUDITOR)), coordinator)
        .start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    try {
      Path copy = data.resolve("copy.jsonl");
      assertEquals(3, new AuditClient(channel).downloadLedger(jobId, copy), "opened, submitted, finished");
      Verification result = LedgerVerifier.verify(copy, ca.certificate(), null, Clock.systemUTC());
      assertTrue(result.ok(), result.problem());

      StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
          () -> new AuditClient(channel).downloadLedger("job-ffffffffffff", data.resolve("x.jsonl")));
      assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
      StatusRuntimeException traversal = assertThrows(StatusRuntimeException.class,
          () -> new AuditClient(channel).downloadLedger("../models/x", data.resolve("y.jsonl")));
      assertEquals(Status.Code.NOT_FOUND, traversal.getStatus().getCode(), "no path escapes the ledger directory");
      assertTrue(Files.exists(data.resolve("ledgers").resolve(jobId + ".jsonl")));
    } finally {
      channel.shutdownNow();
      server.stop();
    }
  }
}
