package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factoryfl.core.data.MissingValues;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.simulation.datasets.Secom;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secom scenario: four production periods, each holding out its later rows, SECOM's missing
 * cells imputed with the federated mean as the job spec says, through the real federation.
 */
class SecomScenarioTest {
  @TempDir Path out;

  @Test
  void thePlants_holdOutTheirLaterRows_andTheFeaturesSkipConstantAndPlantMissingSensors() {
    List<Factory> plants = SecomScenario.plants(Secom.load());
    assertEquals(4, plants.size());
    assertEquals(1567, plants.stream().mapToInt(p -> p.train().rows() + p.eval().rows()).sum());
    for (Factory plant : plants) {
      int rows = plant.train().rows() + plant.eval().rows();
      assertEquals(rows * SecomScenario.HOLD_OUT_PERCENT / 100, plant.eval().rows(), plant.name());
    }
    List<String> features = SecomScenario.features(plants);
    assertTrue(features.size() > 300 && features.size() < Secom.FEATURES - 116, "features " + features.size());
    assertFalse(features.contains("f5"), "f5 is constant in SECOM");

    SimulationConfig config = new SimulationConfig(4, 2, 7, out, null, 1, 32, 0.001, SecomScenario.HIDDEN, 120,
        List.of(), true, java.util.Map.of(), 0);
    JobSpec spec = JobSpecParser.parse(new SecomScenario(config, System.out).jobSpecJson(features));
    assertEquals(MissingValues.IMPUTE_MEAN, spec.schema().missingValues());
    assertEquals(Secom.LABEL_CLASSES, spec.schema().labelClasses());
  }

  @Test
  @Timeout(300)
  void oneRound_runsWithTheMissingCellsImputed_andReportsEveryModel() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int code = SimulationMain.run(new String[] {"--scenario", "secom", "--rounds", "1", "--local-epochs", "1",
        "--out", out.toString()}, new PrintStream(printed), System.err);
    assertEquals(0, code, printed.toString());
    assertTrue(printed.toString().contains("missing cells imputed with the federated mean"), printed.toString());
    JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertEquals("secom", summary.at("/configuration/scenario").asText());
    for (String model : List.of("/final/federated", "/final/centralized", "/final/local_only/plant-1")) {
      assertTrue(Double.isFinite(summary.at(model + "/roc_auc").asDouble(Double.NaN)), model);
    }
  }
}
