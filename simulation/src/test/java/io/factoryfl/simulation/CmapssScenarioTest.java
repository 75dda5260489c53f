package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factoryfl.core.data.SequenceSpec;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.core.task.TaskKind;
import io.factoryfl.simulation.datasets.CmapssFd003;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wiring of {@code simulate --scenario cmapss-fd003}, with one round instead of the full run
 * (whose figures are in docs/results.md): the plants, the job spec, and a run through the real
 * federation whose report is in the regression task's metrics.
 */
class CmapssScenarioTest {
  @TempDir Path out;

  @Test
  void theFourPlants_splitTheTrainAndTestEngines_withNoEngineInTwoPlants() {
    List<Factory> plants = CmapssScenario.plants(CmapssFd003.load());
    assertEquals(List.of("plant-1", "plant-2", "plant-3", "plant-4"), plants.stream().map(Factory::name).toList());
    Set<String> trainEngines = new HashSet<>();
    Set<String> testEngines = new HashSet<>();
    int trainRows = 0;
    for (Factory plant : plants) {
      trainRows += plant.train().rows();
      for (int row = 0; row < plant.train().rows(); row++) {
        trainEngines.add(plant.name() + "/" + plant.train().value(row, CmapssFd003.UNIT));
      }
      for (int row = 0; row < plant.eval().rows(); row++) {
        testEngines.add(plant.eval().value(row, CmapssFd003.UNIT));
      }
    }
    assertEquals(24_720, trainRows);
    assertEquals(100, trainEngines.size(), "each of the 100 training engines in exactly one plant");
    assertEquals(100, testEngines.size(), "every test engine is some plant's held-out engine");
  }

  @Test
  void theJobSpec_isRulRegressionOnWindowsOfEachEnginesCycles_scoredOnLastCycles() {
    SimulationConfig config = new SimulationConfig(4, 3, 7, out, null, 2, 64, 0.002, CmapssScenario.HIDDEN, 600,
        List.of(), true, java.util.Map.of(), 0);
    JobSpec spec = JobSpecParser.parse(new CmapssScenario(config, System.out).jobSpecJson());
    assertEquals(TaskKind.REGRESSION, spec.task().kind());
    assertEquals(125.0, spec.task().clip().max());
    assertEquals(new SequenceSpec("unit", "cycle", 30, SequenceSpec.EvalRows.LAST), spec.sequence().orElseThrow());
    assertEquals(14, spec.schema().numericColumns().size());
    assertTrue(spec.schema().numericColumns().stream().noneMatch(c -> CmapssFd003.CONSTANT_IN_TRAIN.contains(c)
        || CmapssScenario.QUANTISED.contains(c) || c.startsWith("op_setting")), spec.schema().toString());
    assertEquals("cnn1d", spec.model().template());
  }

  @Test
  @Timeout(600)
  void oneRound_runsThroughTheFederation_andReportsRmseMaeAndR2ForEveryModel() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int code = SimulationMain.run(new String[] {"--scenario", "cmapss-fd003", "--rounds", "1", "--local-epochs", "1",
        "--out", out.toString()}, new PrintStream(printed), System.err);
    assertEquals(0, code, printed.toString());
    String report = printed.toString();
    assertTrue(report.contains("RMSE") && report.contains("MAE") && report.contains("R2"), report);
    assertTrue(report.contains("plant-4 alone"), report);

    JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertEquals("cmapss-fd003", summary.at("/configuration/scenario").asText());
    for (String model : List.of("/final/federated", "/final/centralized", "/final/local_only/plant-1")) {
      for (String metric : List.of("rmse", "mae", "r2")) {
        assertTrue(Double.isFinite(summary.at(model + "/" + metric).asDouble(Double.NaN)), model + " " + metric);
      }
    }
    // the coordinator's evaluation (the sites' sums over the test engines' last cycles) is the
    // exact score of the downloaded model, up to the fixed-point secure sum of round 0's statistics
    double coordinator = summary.at("/rounds/0/rmse").asDouble();
    double exact = summary.at("/final/federated/rmse").asDouble();
    assertEquals(exact, coordinator, 1e-3 * exact, "federated RMSE: coordinator vs exact");
    assertTrue(exact < 60, "one round already learns something: RMSE " + exact);
    assertEquals("round,participants,train_loss,rmse,mae,r2,seconds",
        Files.readAllLines(out.resolve("rounds.csv")).get(0));
  }

  @Test
  void anUnknownScenario_isAUsageErrorListingTheScenarios() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = SimulationMain.run(new String[] {"--scenario", "secom2"}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err));
    assertEquals(2, code);
    assertTrue(err.toString().contains("unknown --scenario 'secom2': expected ai4i, cmapss-fd003, secom,"
        + " neu-surface or mnist"), err.toString());
  }
}
