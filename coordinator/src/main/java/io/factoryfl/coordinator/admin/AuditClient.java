package io.factoryfl.coordinator.admin;

import io.factoryfl.core.ledger.LedgerWriter;
import io.factoryfl.proto.v1.AuditGrpc;
import io.factoryfl.proto.v1.LedgerLine;
import io.factoryfl.proto.v1.ReadLedgerRequest;
import io.grpc.Channel;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * The auditor's client of the Audit service: copies a job's round log and its signed head to
 * local files, to be checked offline with {@code factoryfl audit verify}. Takes a {@link Channel};
 * whoever built the channel shuts it down. The download, its only call, has a deadline of
 * {@value #DOWNLOAD_TIMEOUT_MINUTES} minutes: generous for a long log, finite if the coordinator
 * stops answering.
 */
public final class AuditClient {
  static final long DOWNLOAD_TIMEOUT_MINUTES = 5;

  private final AuditGrpc.AuditBlockingStub stub;

  public AuditClient(Channel channel) {
    this.stub = AuditGrpc.newBlockingStub(channel);
  }

  /**
   * Writes the job's ledger to {@code file} and its signed head to {@code file + ".head"}.
   *
   * @return the number of records copied
   */
  public long downloadLedger(String jobId, Path file) throws IOException {
    Iterator<LedgerLine> lines = stub.withDeadlineAfter(DOWNLOAD_TIMEOUT_MINUTES, TimeUnit.MINUTES)
        .readLedger(ReadLedgerRequest.newBuilder().setJobId(jobId).build());
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    long records = 0;
    String head = "";
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      while (lines.hasNext()) {
        LedgerLine line = lines.next();
        if (!line.getHead().isEmpty()) {
          head = line.getHead();
        } else {
          out.write(line.getLine());
          out.write('\n');
          records++;
        }
      }
    }
    Files.writeString(LedgerWriter.headFile(file), head.isEmpty() ? "" : head + "\n",
        StandardCharsets.UTF_8);
    return records;
  }
}
