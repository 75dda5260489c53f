package io.factoryfl.core.io;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Replaces files so that a reader (or a crash) sees either the old content or the new, never a
 * mix: the content goes to a temporary sibling, is forced to disk, and is renamed over the target.
 * The one place FactoryFL writes state files (keys, certificates, CA state, model versions).
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /**
   * @param permissions POSIX permissions the file is created with (before any content is written,
   *     so a secret is never readable by others even briefly), or null for the default
   */
  public static void write(Path file, byte[] content, Set<PosixFilePermission> permissions)
      throws IOException {
    Path target = file.toAbsolutePath();
    Files.createDirectories(target.getParent());
    FileAttribute<?>[] attributes = permissions != null
        && target.getFileSystem().supportedFileAttributeViews().contains("posix")
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
        : new FileAttribute<?>[0];
    Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp", attributes);
    try {
      // a stream, not an interruptible channel: an interrupt (a cancelled job) does not abort the write
      try (FileOutputStream out = new FileOutputStream(temp.toFile())) {
        out.write(content);
        out.getFD().sync();
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
