package io.factoryfl.participant.session;

import io.factoryfl.core.secagg.GraphSeed;
import io.factoryfl.core.secagg.SecAggException;
import io.factoryfl.core.secagg.SecAggParameters;
import io.factoryfl.proto.v1.SecAggAdvertiseKeys;

/**
 * The secure-aggregation parameters this site takes from a setup task: k, t, clip and bits as the
 * coordinator proposed them, once the site policy has accepted them ({@code SitePolicyCheck}: its
 * minimum cohort, k and t) and {@link SecAggParameters} has (no k = 1, no t that lets one peer's
 * two secrets both be collected). The setup's {@code graph_seed} is never read: the site derives
 * the neighbour graph itself from the keys the cohort advertised ({@link GraphSeed}).
 */
final class SessionParameters {
  private SessionParameters() {}

  /**
   * @throws SecAggException naming the value and the rule it breaks
   */
  static SecAggParameters of(SecAggAdvertiseKeys setup) {
    try {
      return SecAggParameters.of(setup.getCohortCount(), setup.getNeighbours(), setup.getThreshold(),
          setup.getClip(), setup.getBits());
    } catch (IllegalArgumentException e) {
      throw new SecAggException("secure-aggregation setup " + setup.getSessionTag() + " refused: "
          + e.getMessage());
    }
  }
}
