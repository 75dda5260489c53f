package io.factoryfl.simulation.maliciouscoordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.RoundEvent;
import io.factoryfl.proto.v1.TaskResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * M3, a malicious site with a real certificate: it advertises keys with a bad signature or a
 * small-order X25519 key. Before, each of its neighbours aborted the round on the bad key and a
 * retry drew the same cohort, so one site failed the job. Now the coordinator makes the same
 * checks first: the site is excluded before the keys are relayed, named in the round log with the
 * reason, and the others commit the round; a retry of the round draws its cohort without the site.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadKeysSiteTest {
  private static final int SITES = 5;
  private static final String ATTACKER = "factory-5";

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

  private static UnaryOperator<TaskResult> keys(UnaryOperator<io.factoryfl.proto.v1.SecAggPublicKeys> bend) {
    return result -> result.hasSecaggKeys()
        ? result.toBuilder().setSecaggKeys(bend.apply(result.getSecaggKeys())).build() : result;
  }

  private TappedSites.Ended runAndExpectAttackerExcluded(String name, String reason) throws Exception {
    TappedSites.Ended job = federation.run(TappedSites.secureSpec(name, SITES - 1, SITES, ""));
    assertEquals(JobState.JOB_STATE_SUCCEEDED, job.end().getEnded().getState(),
        "one site's bad keys must not fail the job: " + job.end());

    List<JsonNode> closed = federation.records(job.jobId(), "round_closed");
    assertEquals(1, closed.size());
    List<String> contributors = new ArrayList<>();
    closed.get(0).path("contributors").forEach(node -> contributors.add(node.asText()));
    assertEquals(List.of("factory-1", "factory-2", "factory-3", "factory-4"), contributors);

    // The attacker's keys are bad in every session: round 0's statistics and round 1's training.
    List<JsonNode> dropouts = federation.records(job.jobId(), "dropout");
    assertEquals(List.of(0, 1), dropouts.stream().map(d -> d.path("round").asInt()).toList(),
        "only the attacker is left out, once per session; no honest neighbour aborted: " + dropouts);
    assertEquals(dropouts.get(0).path("reason"), dropouts.get(1).path("reason"));
    JsonNode excluded = dropouts.get(1);
    assertEquals(ATTACKER, excluded.path("participant").asText());
    assertEquals("secagg-keys", excluded.path("stage").asText());
    assertTrue(excluded.path("reason").asText().startsWith("rejected: excluded from the session: advertised keys"
        + " refused: "), excluded.toString());
    assertTrue(excluded.path("reason").asText().contains(reason), excluded.toString());

    boolean named = job.events().stream().map(RoundEvent::getRejected)
        .anyMatch(rejected -> rejected.getParticipant().equals(ATTACKER) && rejected.getReason().contains(reason));
    assertTrue(named, "the job's events name the excluded site");
    return job;
  }

  @Test
  @Timeout(60)
  void siteWithABadSignature_isExcludedAndNamed_andTheOthersCommitTheRound() throws Exception {
    taps.get(ATTACKER).rewriteResults(keys(k -> {
      byte[] signature = k.getSignature().toByteArray();
      signature[0] ^= 1;
      return k.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
    }));
    runAndExpectAttackerExcluded("bad-signature", "the keys advertised by 'factory-5' carry a signature that does"
        + " not verify with the identity key in its certificate");
  }

  @Test
  @Timeout(60)
  void siteWithASmallOrderMaskingKey_isExcludedAndNamed_andTheOthersCommitTheRound() throws Exception {
    taps.get(ATTACKER).rewriteResults(keys(k -> k.toBuilder().setMaskingPublicKey(ByteString.copyFrom(new byte[32]))
        .build()));
    runAndExpectAttackerExcluded("small-order-key", "the masking public key advertised by 'factory-5' is a point of"
        + " small order");
  }

  /**
   * The first attempt excludes the attacker and then falls short after the masked inputs were sent
   * (factory-4's first masked upload is cut by a word, so the coordinator rejects it and only three
   * inputs remain). The retry draws its cohort without the attacker; the sites that already sent
   * their one masked input for this round refuse a second (issue 8 item 2), so the round cannot
   * complete and the job fails with a reason that names them, rather than ever producing a second
   * sum over an overlapping cohort.
   */
  @Test
  @Timeout(60)
  void retryAfterAnExclusion_drawsItsCohortWithoutTheExcludedSite() throws Exception {
    taps.get(ATTACKER).rewriteResults(keys(k -> k.toBuilder().setMaskingPublicKey(ByteString.copyFrom(new byte[32]))
        .build()));
    taps.get("factory-4").rewriteMaskedWords((task, words) ->
        task.contains("/a1/") ? java.util.Arrays.copyOf(words, words.length - 1) : words);
    TappedSites.Ended job = federation.run(TappedSites.secureSpec("retry-without-attacker", SITES - 1, SITES, ""));

    List<JsonNode> opened = federation.records(job.jobId(), "round_opened");
    assertTrue(opened.size() >= 2, opened.toString());
    assertTrue(opened.get(0).path("cohort").toString().contains(ATTACKER), opened.toString());
    assertEquals("[\"factory-1\",\"factory-2\",\"factory-3\",\"factory-4\"]", opened.get(1).path("cohort").toString());
    assertEquals(JobState.JOB_STATE_FAILED, job.end().getEnded().getState(), job.end().toString());
    assertTrue(job.end().getEnded().getMessage().contains("already sent their one masked input"),
        job.end().getEnded().getMessage());
  }
}
