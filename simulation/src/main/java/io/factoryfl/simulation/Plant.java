package io.factoryfl.simulation;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A simulated plant as its site is set up: its name (also its certificate identity) and the data
 * it keeps, written into its site directory as plant IT would put it there.
 */
interface Plant {
  String name();

  /**
   * Writes this plant's data under {@code site} (or points at data already on disk) and returns
   * its catalogue entry, the JSON object of {@code datasets.<name>} in the site's config.
   */
  String writeData(Path site) throws IOException;
}
