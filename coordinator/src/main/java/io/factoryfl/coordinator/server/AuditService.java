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

/** Read-only access to a job's round log for auditors (and admins), byte for byte as on disk. */
final class AuditService extends AuditGrpc.AuditImplBase {
  private final JobScheduler scheduler;

  AuditService(JobScheduler scheduler) {
    this.scheduler = scheduler;
  }

  @Override
  public void readLedger(ReadLedgerRequest request, StreamObserver<LedgerLine> response) {
    Calls.streaming(response, () -> {
      // Roles (auditor or admin) are enforced by the authentication interceptor.
      JobRun run = scheduler.find(request.getJobId()).orElseThrow(() -> Status.NOT_FOUND
          .withDescription("no job '" + request.getJobId() + "'").asRuntimeException());
      Path ledger = run.ledgerFile();
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
