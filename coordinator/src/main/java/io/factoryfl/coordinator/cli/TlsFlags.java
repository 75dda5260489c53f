package io.factoryfl.coordinator.cli;

import io.factoryfl.core.cli.Flags;
import io.factoryfl.core.cli.UsageException;
import io.factoryfl.core.security.TlsMaterial;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/** The {@code --cert --key --ca} options every networked command takes. */
final class TlsFlags {
  static final Set<String> NAMES = Set.of("--cert", "--key", "--ca");

  private TlsFlags() {}

  static TlsMaterial load(Flags flags) throws UsageException, IOException {
    return TlsMaterial.load(Path.of(flags.required("--cert")), Path.of(flags.required("--key")),
        Path.of(flags.required("--ca")));
  }
}
