package io.factoryfl.coordinator.server;

import io.factoryfl.coordinator.job.JobScheduler;
import io.factoryfl.coordinator.store.RoundLogStore;
import io.factoryfl.proto.v1.AuditGrpc;
import io.factoryfl.proto.v1.LedgerLine;
import io.factoryfl.proto.v1.ReadLedgerRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * Read-only access to a job's round log for auditors (and admins), byte for byte as stored. Logs
 * are read from the coordinator's round-log store (files or the database), so jobs from before a
 * restart, or from the coordinator this one took over from, stay auditable.
 */
final class AuditService extends AuditGrpc.AuditImplBase {
  private static final Pattern JOB_ID = Pattern.compile("job-[0-9a-f]{12}");

  private final JobScheduler scheduler;
  private final RoundLogStore roundLogs;

  AuditService(JobScheduler scheduler, RoundLogStore roundLogs) {
    this.scheduler = scheduler;
    this.roundLogs = roundLogs;
  }

  @Override
  public void readLedger(ReadLedgerRequest request, StreamObserver<LedgerLine> response) {
    Calls.streaming(response, () -> {
      // Roles (auditor or admin) are enforced by the authentication interceptor.
      String jobId = request.getJobId();
      RoundLogStore.Copy log;
      try {
        log = scheduler.find(jobId).isPresent() || JOB_ID.matcher(jobId).matches()
            ? roundLogs.read(jobId).orElse(null) : null;
      } catch (IOException e) {
        throw Status.UNAVAILABLE.withDescription("cannot read the round log of job '" + jobId + "': "
            + e.getMessage() + "; try again, and if it persists tell the coordinator's operator")
            .asRuntimeException();
      }
      if (log == null) {
        throw Status.NOT_FOUND.withDescription("no round log for job '" + jobId
            + "' on this coordinator").asRuntimeException();
      }
      for (String line : log.lines()) {
        response.onNext(LedgerLine.newBuilder().setLine(line).build());
      }
      response.onNext(LedgerLine.newBuilder().setHead(log.head()).build());
      response.onCompleted();
    });
  }
}
