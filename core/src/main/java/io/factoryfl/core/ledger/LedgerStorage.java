package io.factoryfl.core.ledger;

import java.io.IOException;

/**
 * Where one ledger's bytes and signed head are kept for its {@link LedgerWriter}: a file and its
 * {@code .head} file ({@link FileLedgerStorage}), or rows of a database. Whoever opens a storage
 * holds it alone until it is closed: a second writer on the same ledger is refused when it opens.
 *
 * <p>The writer checks every record; a storage only keeps bytes, in order, and makes them durable
 * when asked.
 */
public interface LedgerStorage extends AutoCloseable {

  /** The ledger's content: complete lines, each ending in a newline, possibly a torn last line. */
  byte[] read() throws IOException;

  /** The signed head line (without newline), or null if none was written yet. */
  String head() throws IOException;

  /** Cuts the content to {@code length} bytes (a torn last line left by a crash). */
  void truncate(long length) throws IOException;

  /**
   * Appends {@code line} (ending in a newline) so that a crash of this process does not lose it;
   * a crash of the machine may, until the next {@link #appendSigned}.
   */
  void append(byte[] line) throws IOException;

  /**
   * Appends {@code line}, makes it and every line before it durable, then replaces the signed
   * head with {@code head}: when this returns, both survive a crash of the machine.
   */
  void appendSigned(byte[] line, String head) throws IOException;

  /** Where the ledger is, for messages: a file, or a job's round log in a database. */
  String name();

  /** Where the signed head is, for messages. */
  String headName();

  /** Releases the ledger for other writers. Idempotent. */
  @Override
  void close() throws IOException;
}
