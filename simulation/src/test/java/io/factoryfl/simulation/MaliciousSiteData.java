package io.factoryfl.simulation;

import io.factoryfl.participant.data.CsvTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulation's data split and dataset binding, for the malicious-site tests in {@code
 * maliciouscoordinator}, which build their federation themselves so that they can tap each site's
 * channel.
 */
public final class MaliciousSiteData {
  public static final String DATASET_NAME = SimulationConfig.DATASET_NAME;

  /** One factory's name and its train and evaluation rows. */
  public record Split(String name, CsvTable train, CsvTable eval) {
    public void write(Path trainFile, Path evalFile) throws IOException {
      CsvWriter.write(train, trainFile);
      CsvWriter.write(eval, evalFile);
    }
  }

  private MaliciousSiteData() {}

  public static List<Split> split(CsvTable table, int sites, long seed) {
    List<Split> out = new ArrayList<>();
    for (Factory factory : Partitioner.split(table, sites, SimulationConfig.TYPE, SimulationConfig.PRODUCT_ID,
        SimulationConfig.HOLD_OUT, seed)) {
      out.add(new Split(factory.name(), factory.train(), factory.eval()));
    }
    return out;
  }

  /** The numeric feature columns as a JSON array. */
  public static String numericJson() {
    StringBuilder out = new StringBuilder("[");
    for (String column : SimulationConfig.NUMERIC) {
      out.append(out.length() > 1 ? ", " : "").append('"').append(column).append('"');
    }
    return out.append(']').toString();
  }
}
