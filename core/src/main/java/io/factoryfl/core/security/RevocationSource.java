package io.factoryfl.core.security;

import java.io.IOException;

/**
 * Where a server learns which certificates are revoked: the CA directory's file
 * ({@link RevocationWatcher}) when the CA runs beside it, or a list signed by the CA service.
 */
@FunctionalInterface
public interface RevocationSource {

  /**
   * The revocation list as far as this source knows now.
   *
   * @throws IOException saying why no list can be relied on (unreadable, or too old); callers
   *     refuse service rather than let a revoked certificate in
   */
  RevocationList current() throws IOException;
}
