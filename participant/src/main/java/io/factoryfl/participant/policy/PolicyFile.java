package io.factoryfl.participant.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A site policy file that is re-read when it changes, so plant IT can tighten or relax the policy
 * without restarting the node.
 *
 * <p>Every {@link #current()} compares the file's modification time and size with those of the
 * last read (one {@code stat}, no read) and re-reads the file only when they differ. An edit
 * that does not parse, or a file that disappears, leaves the last good policy in force and logs
 * one warning naming the problem; the next change is tried again. Write the file atomically
 * (write a temporary file, then rename it over the policy) so a half-written policy is never
 * seen; a half-written one is merely refused, not applied.
 *
 * <p>Thread-safe.
 */
public final class PolicyFile implements Supplier<SitePolicy> {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyFile.class);

  private final Path file;
  private SitePolicy policy;
  private Version seen;

  /** What identifies one edit of the file without reading it. */
  private record Version(FileTime modified, long size) {}

  private PolicyFile(Path file, SitePolicy policy, Version seen) {
    this.file = file;
    this.policy = policy;
    this.seen = seen;
  }

  /**
   * Reads the policy for the first time. A node should not start under a policy it cannot read,
   * so here an unusable file is an error rather than a warning.
   *
   * @throws InvalidPolicyException naming the file, the field and the value
   */
  public static PolicyFile load(Path file) {
    Objects.requireNonNull(file, "file must not be null");
    Version version;
    try {
      version = version(file);
    } catch (IOException e) {
      throw new InvalidPolicyException("cannot read site policy " + file + ": " + e);
    }
    SitePolicy policy = SitePolicy.load(file);
    LOG.info("site policy loaded from " + file);
    return new PolicyFile(file, policy, version);
  }

  /** The policy file's path. */
  public Path path() {
    return file;
  }

  /** The policy in force: the file's latest valid content. Never throws. */
  public synchronized SitePolicy current() {
    Version now;
    try {
      now = version(file);
    } catch (IOException | RuntimeException e) {
      if (seen != null) {
        LOG.warn("site policy " + file + " cannot be read (" + e
            + "); keeping the policy last loaded until the file is back");
        seen = null;
      }
      return policy;
    }
    if (now.equals(seen)) {
      return policy;
    }
    seen = now;
    try {
      policy = SitePolicy.load(file);
      LOG.info("site policy reloaded from " + file);
    } catch (RuntimeException e) {
      LOG.warn("site policy edit rejected, keeping the previous policy: " + e.getMessage());
    }
    return policy;
  }

  /** Same as {@link #current()}. */
  @Override
  public SitePolicy get() {
    return current();
  }

  private static Version version(Path file) throws IOException {
    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
    return new Version(attributes.lastModifiedTime(), attributes.size());
  }
}
