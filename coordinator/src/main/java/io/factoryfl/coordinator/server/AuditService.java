package io.factoryfl.coordinator.server;

import io.factoryfl.coordinator.job.JobRun;
import io.factoryfl.coordinator.job.JobScheduler;
import io.factoryfl.core.ledger.LedgerWriter;
import io.factoryfl.proto.v1.AuditGrpc;
import io.factoryfl.proto.v1.LedgerLine;
import io.factoryfl.proto.v1.ReadLedgerRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Read-only access to a job's round log for auditors (and admins), byte for byte as on disk. Logs
 * are read from the coordinator's ledger directory, so jobs from before a restart stay auditable.
 */
final class AuditService extends AuditGrpc.AuditImplBase {
  private static final java.util.regex.Pattern JOB_ID = java.util.regex.Pattern.compile("job-[0-9a-f]{12}");

  private final JobScheduler scheduler;
  private final java.util.function.Function<String, Path> ledgerOf;

  AuditService(JobScheduler scheduler, java.util.function.Function<String, Path> ledgerOf) {
    this.scheduler = scheduler;
    this.ledgerOf = ledgerOf;
  }

  @Override
  public void readLedger(ReadLedgerRequest request, StreamObserver<LedgerLine> response) {
    Calls.streaming(response, () -> {
      // Roles (auditor or admin) are enforced by the authentication interceptor.
      Path ledger = scheduler.find(request.getJobId()).map(JobRun::ledgerFile)
          .orElseGet(() -> JOB_ID.matcher(request.getJobId()).matches()
              ? ledgerOf.apply(request.getJobId()) : null);
      if (ledger == null || !Files.exists(ledger)) {
        throw Status.NOT_FOUND.withDescription("no round log for job '" + request.getJobId()
            + "' on this coordinator").asRuntimeException();
      }
      try (BufferedReader lines = Files.newBufferedReader(ledger, StandardCharsets.UTF_8)) {
        String line;
        while ((line = lines.readLine()) != null) {
          response.onNext(LedgerLine.newBuilder().setLine(line).build());
        }
        Path head = LedgerWriter.headFile(ledger);
        String headText = Files.exists(head) ? Files.readString(head, StandardCharsets.UTF_8).strip() : "";
        response.onNext(LedgerLine.newBuilder().setHead(headText).build());
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("cannot read the round log of job '"
            + request.getJobId() + "': " + e.getMessage()).asRuntimeException();
      }
      response.onCompleted();
    });
  }
}
