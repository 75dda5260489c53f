package io.factoryfl.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.testing.ReadOnlyDirectory;
import io.factoryfl.participant.data.CsvTable;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.RoundEvent;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator whose model directory cannot be written (a read-only mount, permissions gone
 * wrong) ends the job that needs it with a message naming the directory and the fix, not a Java
 * exception; made writable again, the next job runs to the end without a coordinator restart.
 */
class ReadOnlyDataDirectoryEndToEndTest {
  private static final int SITES = 2;

  @TempDir Path out;

  @Test
  @Timeout(240)
  void aReadOnlyModelDirectory_failsTheJobSayingWhatToFix_andOnceWritableTheNextJobRuns() throws Exception {
    SimulationConfig config = new SimulationConfig(SITES, 2, 5, out, null, 1, 64, 0.003, List.of(8), 60, List.of(),
        false, Map.of(), 0);
    CsvTable table;
    try (InputStream in = getClass().getResourceAsStream("/datasets/ai4i2020.csv")) {
      table = CsvTable.parse("ai4i2020.csv", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    List<Factory> factories = Partitioner.split(table, SITES, SimulationConfig.TYPE, SimulationConfig.PRODUCT_ID,
        SimulationConfig.HOLD_OUT, 5);
    Path models = out.resolve("coordinator-data/models");
    try (LoopbackFederation federation = LoopbackFederation.start(factories, config)) {
      federation.admin().awaitParticipants(SITES, Duration.ofSeconds(60));
      RoundEvent failed;
      try (ReadOnlyDirectory readOnly = ReadOnlyDirectory.of(models)) {
        String job = federation.admin().submit(config.jobSpecJson()).getJobId();
        failed = federation.admin().watch(job, Duration.ofMinutes(2), event -> { });
      }
      assertEquals(JobState.JOB_STATE_FAILED, failed.getEnded().getState(), failed.toString());
      String message = failed.getEnded().getMessage();
      assertTrue(message.startsWith("cannot store model ") && message.contains(" in the model store in " + models
          + ": " + models + " is read-only or not writable by the coordinator's user (")
          && message.endsWith("). Make it writable; new jobs work again without a restart"), message);

      String again = federation.admin().submit(config.jobSpecJson()).getJobId();
      RoundEvent end = federation.admin().watch(again, Duration.ofMinutes(2), event -> { });

      assertEquals(JobState.JOB_STATE_SUCCEEDED, end.getEnded().getState(), end.toString());
      assertEquals(end.getEnded().getModelHash(), federation.admin().downloadModel(again).hash());
    }
  }
}
