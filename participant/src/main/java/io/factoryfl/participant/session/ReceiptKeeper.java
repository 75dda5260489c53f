package io.factoryfl.participant.session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The site's local receipt log: the coordinator's signed receipts for this site's contributions,
 * one JSON line each, appended and forced to disk as they arrive. An auditor checks them against
 * the coordinator's ledger ({@code factoryfl audit verify --receipts}), so a ledger that drops or
 * alters this site's contribution is caught.
 */
final class ReceiptKeeper {
  private final Path file;

  ReceiptKeeper(Path file) {
    this.file = file;
  }

  synchronized void keep(List<String> receipts) {
    if (receipts.isEmpty()) {
      return;
    }
    StringBuilder lines = new StringBuilder();
    for (String receipt : receipts) {
      if (receipt.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("a receipt must be one line");
      }
      lines.append(receipt).append('\n');
    }
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
          StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
        ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
        channel.force(true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to the receipt log " + file, e);
    }
  }
}
