package io.factoryfl.coordinator.cli;

import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.security.TlsFailures;
import io.factoryfl.core.security.TlsMaterial;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;

/** The {@code --cert --key --ca} options every networked command takes. */
final class TlsFlags {
  static final Set<String> NAMES = Set.of("--cert", "--key", "--ca");

  private TlsFlags() {}

  /**
   * Loads the TLS files and checks that the certificate is valid now, so that an expired, not
   * yet valid or foreign certificate is reported with what to do before anything is dialled
   * (or, for {@code coordinator}, before it listens).
   *
   * @throws IOException naming the file and the problem
   */
  static TlsMaterial load(Flags flags) throws UsageException, IOException {
    return load(flags, Clock.systemUTC());
  }

  static TlsMaterial load(Flags flags, Clock clock) throws UsageException, IOException {
    String cert = flags.required("--cert");
    TlsMaterial tls = TlsMaterial.load(Path.of(cert), Path.of(flags.required("--key")),
        Path.of(flags.required("--ca")));
    Optional<String> problem = tls.problemAt(clock.instant());
    if (problem.isPresent()) {
      throw new IOException("--cert " + cert + ": " + problem.get());
    }
    return tls;
  }

  /**
   * What to tell the user about a failed call: the coordinator's answer, or for a connection
   * that could not be made ("UNAVAILABLE: io exception") the likely cause.
   */
  static String describe(StatusRuntimeException e) {
    Status status = e.getStatus();
    if (status.getCode() == Status.Code.UNAVAILABLE && status.getCause() != null) {
      Optional<String> cause = TlsFailures.describe(status.getCause(), null);
      if (cause.isPresent()) {
        return cause.get();
      }
    }
    return "coordinator answered " + status.getCode() + ": "
        + io.factoryfl.core.text.Printable.escape(status.getDescription());
  }
}
