package io.factoryfl.simulation.maliciouscoordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.factoryfl.core.secagg.MaskedLayout;
import io.factoryfl.proto.v1.JobState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under secure aggregation the training loss travels inside the masked vector ({@link
 * MaskedLayout}), so the coordinator learns the round's example-weighted mean loss and no site's
 * own. A site that attaches its loss to the header of a masked update in the clear is refused at
 * the upload, left out of the sum, and named; the others commit the round with the decoded loss.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MaskedLossTest {
  private static final int SITES = 5;
  private static final String LEAKER = "factory-2";

  private TappedSites federation;
  private final Map<String, OutgoingTap> taps = new ConcurrentHashMap<>();

  @BeforeAll
  void start(@TempDir Path temp) throws Exception {
    federation = new TappedSites(temp, SITES, site -> taps.computeIfAbsent(site, s -> new OutgoingTap()));
  }

  @AfterAll
  void stop() throws InterruptedException {
    federation.close();
  }

  @BeforeEach
  void allHonest() {
    taps.values().forEach(OutgoingTap::honest);
  }

  @Test
  @Timeout(60)
  void aMaskedUpdateWithATrainLossInTheClear_isRefused_andTheRoundCommitsTheDecodedMeanLoss() throws Exception {
    taps.get(LEAKER).rewriteMaskedHeader(header -> header.toBuilder().putMetrics("train_loss", 0.42).build());
    TappedSites.Ended job = federation.run(TappedSites.secureSpec("loss-in-the-clear", SITES - 1, SITES, ""));
    assertEquals(JobState.JOB_STATE_SUCCEEDED, job.end().getEnded().getState(), job.end().toString());

    JsonNode closed = federation.records(job.jobId(), "round_closed").get(0);
    List<String> contributors = new ArrayList<>();
    closed.path("contributors").forEach(node -> contributors.add(node.asText()));
    assertEquals(List.of("factory-1", "factory-3", "factory-4", "factory-5"), contributors);
    double loss = closed.path("metrics").path("train_loss").asDouble(Double.NaN);
    assertTrue(loss > 0 && loss < MaskedLayout.LOSS_CAP, "the round's decoded mean loss: " + closed);

    List<JsonNode> dropouts = federation.records(job.jobId(), "dropout");
    assertEquals(1, dropouts.size(), dropouts.toString());
    assertEquals(LEAKER, dropouts.get(0).path("participant").asText());
    assertTrue(dropouts.get(0).path("reason").asText().contains(
        "a masked update carries metrics [train_loss]; under secure aggregation no per-site value may travel in"
            + " the clear"), dropouts.get(0).toString());
  }
}
