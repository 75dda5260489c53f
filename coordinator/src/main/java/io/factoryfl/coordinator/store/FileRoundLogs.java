package io.factoryfl.coordinator.store;

import io.factoryfl.core.ledger.FileLedgerStorage;
import io.factoryfl.core.ledger.LedgerStorage;
import io.factoryfl.core.ledger.LedgerWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Round logs as files of a directory (the data directory's {@code ledgers/}): {@code <job
 * id>.jsonl} and its signed head {@code <job id>.jsonl.head}, which {@code audit verify} reads as
 * they are.
 */
public final class FileRoundLogs implements RoundLogStore {
  private final Path directory;

  public FileRoundLogs(Path directory) {
    this.directory = directory;
  }

  /** The file of a job's round log. */
  public Path fileOf(String jobId) {
    return directory.resolve(jobId + ".jsonl");
  }

  @Override
  public LedgerStorage open(String jobId) throws IOException {
    return FileLedgerStorage.open(fileOf(jobId));
  }

  @Override
  public Optional<Copy> read(String jobId) throws IOException {
    Path file = fileOf(jobId);
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    Path head = LedgerWriter.headFile(file);
    return Optional.of(new Copy(lines, Files.exists(head) ? Files.readString(head, StandardCharsets.UTF_8) : ""));
  }
}
