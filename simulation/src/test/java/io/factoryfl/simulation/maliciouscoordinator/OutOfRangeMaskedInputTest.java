package io.factoryfl.simulation.maliciouscoordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.secagg.FixedPoint;
import io.factoryfl.core.secagg.SecAggParameters;
import io.factoryfl.proto.v1.JobState;
import java.nio.file.Path;
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
 * M2, a malicious site with a real certificate that adds to its masked words (addition modulo 2^32
 * goes straight through the masks into the unmasked sum). Before, decode checked only that the
 * count was 1 to n W, so adding 2^31 to its words or shrinking the count moved the mean by up to
 * ~10^8 / N. Now the coordinator refuses a sum the survivors' honest encodings cannot produce, and
 * whatever it accepts has every coordinate of the mean within clip + 2 m c W / (L N). Asserted on
 * the model the coordinator holds at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutOfRangeMaskedInputTest {
  private static final int SITES = 5;
  private static final String ATTACKER = "factory-3";

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

  private static String spec(String name) {
    return TappedSites.secureSpec(name, SITES, SITES, "\"max_round_attempts\": 1");
  }

  private static float[] initialModel(String spec) {
    return ModelDefinition.fromJson(JobSpecParser.parse(spec).modelConfigurationJson()).initialParameters();
  }

  /** The job failed its round for {@code reason} and the coordinator still holds the initial model. */
  private void assertRefusedAndModelUnchanged(String spec, TappedSites.Ended job, String reason) throws Exception {
    assertEquals(JobState.JOB_STATE_FAILED, job.end().getEnded().getState(), job.end().toString());
    List<JsonNode> failed = federation.records(job.jobId(), "round_failed");
    assertEquals(1, failed.size(), failed.toString());
    assertTrue(failed.get(0).path("reason").asText().contains(reason), failed.get(0).toString());
    assertTrue(federation.records(job.jobId(), "round_closed").isEmpty());
    // No model was committed from the refused sum: there is no result to download, and the job's
    // global model is still the initial one.
    io.grpc.StatusRuntimeException none = org.junit.jupiter.api.Assertions.assertThrows(
        io.grpc.StatusRuntimeException.class, () -> federation.admin.downloadModel(job.jobId()));
    assertTrue(none.getStatus().getDescription().contains("has committed no round yet"), none.toString());
    assertEquals(io.factoryfl.core.params.ModelHash.of(JobSpecParser.parse(spec).modelConfigurationJson(),
        initialModel(spec)), federation.admin.status(job.jobId()).getModelHash());
  }

  @Test
  @Timeout(60)
  void siteAdding2To31ToItsWords_getsTheRoundRefused_andNoModelIsCommitted() throws Exception {
    taps.get(ATTACKER).rewriteMaskedWords((task, words) -> {
      int[] bent = words.clone();
      for (int i = 0; i < bent.length - 1; i++) {
        bent[i] += Integer.MIN_VALUE;
      }
      return bent;
    });
    String spec = spec("shift-2-31");
    assertRefusedAndModelUnchanged(spec, federation.run(spec), "outside the encoding range, so the sum is refused");
  }

  @Test
  @Timeout(60)
  void siteClaimingANegativeCount_getsTheRoundRefused_andNoModelIsCommitted() throws Exception {
    taps.get(ATTACKER).rewriteMaskedWords((task, words) -> {
      int[] bent = words.clone();
      bent[bent.length - 1] -= 1_000_000;
      return bent;
    });
    String spec = spec("negative-count");
    assertRefusedAndModelUnchanged(spec, federation.run(spec), "out-of-range count, so the sum is refused");
  }

  /**
   * Inside the encoding range the attack is not detectable: shrinking the total count to a quarter
   * scales the mean by four. What holds is the documented bound: every coordinate of the committed
   * model is within clip + 2 m c W / (L N) of the model the round trained from.
   */
  @Test
  @Timeout(60)
  void siteShrinkingTheCountWithinRange_movesTheModelAtMostTheDocumentedBound() throws Exception {
    long honestTotal = federation.trainRows().values().stream().mapToLong(Long::longValue).sum();
    long claimedTotal = honestTotal / 4;
    taps.get(ATTACKER).rewriteMaskedWords((task, words) -> {
      int[] bent = words.clone();
      bent[bent.length - 1] -= (int) (honestTotal - claimedTotal);
      return bent;
    });
    String spec = spec("shrunk-count");
    TappedSites.Ended job = federation.run(spec);
    if (job.end().getEnded().getState() != JobState.JOB_STATE_SUCCEEDED) {
      // Scaled by four, some honest coordinate may leave the range: then the round is refused.
      assertRefusedAndModelUnchanged(spec, job, "outside the encoding range, so the sum is refused");
      return;
    }
    JsonNode closed = federation.records(job.jobId(), "round_closed").get(0);
    long total = closed.path("metrics").path("total_examples").asLong();
    assertEquals(claimedTotal, total, "the coordinator accepted the shrunk count: a site's share is not bounded");
    JsonNode secure = closed.path("secure_aggregation");
    SecAggParameters parameters = SecAggParameters.of(SITES, secure.path("neighbours").asInt(),
        secure.path("threshold").asInt(), secure.path("clip").asDouble(), secure.path("bits").asInt());
    long maxExamples = secure.path("max_examples").asLong();
    double bound = FixedPoint.meanBound(parameters, SITES, total, maxExamples);
    float[] initial = initialModel(spec);
    float[] committed = federation.admin.downloadModel(job.jobId()).parameters();
    double worst = 0;
    for (int i = 0; i < initial.length; i++) {
      worst = Math.max(worst, Math.abs((double) committed[i] - initial[i]));
    }
    System.out.printf("M2 within range: count %d claimed as %d, largest coordinate move %.4g, bound %.4g%n",
        honestTotal, total, worst, bound);
    // One float ulp of slack for adding the mean to the base model.
    assertTrue(worst <= bound + 1e-6, "the model moved " + worst + " in one coordinate; the bound is " + bound);
  }
}
