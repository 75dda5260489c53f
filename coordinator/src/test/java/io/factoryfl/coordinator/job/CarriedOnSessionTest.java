package io.factoryfl.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.factoryfl.coordinator.enrol.RelayedRevocations;
import io.factoryfl.coordinator.registry.ParticipantRegistry;
import io.factoryfl.coordinator.store.EmbeddedStore;
import io.factoryfl.coordinator.store.JobCheckpoint;
import io.factoryfl.coordinator.store.JobSubmission;
import io.factoryfl.coordinator.store.FileModelStore;
import io.factoryfl.coordinator.store.FileRoundLogs;
import io.factoryfl.coordinator.task.TaskBoard;
import io.factoryfl.core.job.JobSpec;
import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.core.secagg.EncryptedShare;
import io.factoryfl.core.secagg.SecAggCoordinator;
import io.factoryfl.core.secagg.SecAggParameters;
import io.factoryfl.core.secagg.SecAggParticipant;
import io.factoryfl.core.secagg.SessionInfo;
import io.factoryfl.core.secagg.SignedKeys;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.RevocationList;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.proto.v1.JobState;
import io.factoryfl.proto.v1.SecAggPublicKeys;
import io.factoryfl.proto.v1.SecureSessionTranscript;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secure session carried on after a restart checks its members against the revocation list as
 * a fresh session's sites would: a site revoked while the coordinator was down is dropped. The real
 * scheduler, store, round log and SecAgg+ keys and shares of three sites, whose session the crashed
 * coordinator had saved at its masked-input stage.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CarriedOnSessionTest {
  private static final Clock CLOCK = Clock.systemUTC();
  private static final List<String> SITES = List.of("plant-a", "plant-b", "plant-c");
  private static final String JOB = "job-secure";
  private static final String SPEC = """
      {"name": "secure", "model": {"template": "mlp", "hidden_layers": [3]},
       "dataset": {"name": "ai4i", "numeric_features": ["x1", "x2"], "label": "y"},
       "rounds": 1, "participants": {"min": 3, "max": 3}, "round_deadline_seconds": 3,
       "max_round_attempts": 1, "start_timeout_seconds": 3, "max_examples_per_site": 10}""";

  @TempDir Path data;
  @TempDir Path caDir;

  @Test
  void aSiteRevokedWhileTheCoordinatorWasDown_isDroppedFromTheCarriedOnSession() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("carry-on", CLOCK, Duration.ofDays(2), new SecureRandom());
    SigningIdentity coordinator = SigningIdentity.of(ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1),
        List.of()));
    Map<String, SigningIdentity> sites = new LinkedHashMap<>();
    for (String site : SITES) {
      sites.put(site, SigningIdentity.of(ca.issue(site, Role.PARTICIPANT, Duration.ofDays(1), List.of())));
    }
    RevocationList.revoke(caDir, "plant-c", "decommissioned", CLOCK);
    RelayedRevocations revocations = RelayedRevocations.inProcess(ca,
        () -> RevocationList.load(caDir.resolve(RevocationList.FILE)), CLOCK);
    ParticipantRegistry registry = new ParticipantRegistry(CLOCK, Duration.ofSeconds(30));
    Federation federation = new Federation(registry, new TaskBoard(), new FileModelStore(data), CLOCK,
        16, new FileRoundLogs(data.resolve("ledgers")), coordinator, revocations);

    String pinned = JobSpecParser.pinned(SPEC);
    JobSpec spec = JobSpecParser.parse(pinned);
    EmbeddedStore store = EmbeddedStore.open(data);
    store.jobs().create(new JobSubmission(JOB, spec.name(), pinned, JobSpecParser.canonicalHash(pinned),
        "engineer-1", Instant.EPOCH));
    store.jobs().save(JOB, JobCheckpoint.submitted().withState(JobCheckpoint.State.RUNNING, ""));
    store.jobs().saveSecureSession(JOB, statisticsSessionAtMaskedInput(spec, sites).toByteArray());
    RoundLog log = RoundLog.open(federation.roundLogs(), JOB, coordinator, CLOCK, registry);
    log.jobSubmitted(spec.name(), JobSpecParser.canonicalHash(pinned), "engineer-1");
    log.secAggStage(0, 1, "advertise_keys", SITES, List.of());
    log.secAggStage(0, 1, "share_keys", SITES, List.of());
    log.close();
    SITES.forEach(site -> registry.register(site, List.of("ai4i"))); // the sites reconnected

    JobScheduler scheduler = new JobScheduler(federation, ModelBudget.defaults(), store);
    try {
      JobRun run = scheduler.find(JOB).orElseThrow();
      while (!run.finished()) {
        Thread.sleep(20);
      }

      List<JsonNode> records = records(data.resolve("ledgers").resolve(JOB + ".jsonl"));
      JsonNode resumed = only(records, "job_resumed");
      assertEquals(1, resumed.get("continued_attempt").asInt(), "the session was carried on");
      JsonNode dropout = only(records, "dropout");
      assertEquals("plant-c", dropout.get("participant").asText());
      assertTrue(dropout.get("reason").asText().contains("revoked ('plant-c'"), dropout.toString());
      assertTrue(dropout.get("reason").asText().contains("decommissioned"), dropout.toString());
      assertTrue(only(records, "round_failed").get("reason").asText().contains("2 participants remain, at least 3"
          + " needed"), only(records, "round_failed").toString());
      assertEquals(JobState.JOB_STATE_FAILED, run.status().getState());
    } finally {
      scheduler.close();
    }
  }

  /**
   * Round 0's secure session of the job after its first two stages, as SecureRound saves it before
   * the first masked input: the sites' real keys (with their certificates) and encrypted shares.
   */
  private static SecureSessionTranscript statisticsSessionAtMaskedInput(JobSpec spec,
      Map<String, SigningIdentity> sites) {
    SecureInput input = SecureInput.statistics(JOB, JobRun.binding(spec), spec.maxExamplesPerSite());
    SecAggParameters parameters = SecAggParameters.of(SITES.size(), spec.secureAggregation().neighbours(),
        spec.secureAggregation().threshold(), spec.secureAggregation().clip(), spec.secureAggregation().bits());
    SessionInfo session = new SessionInfo(JOB, 0, input.subject(), SITES, input.binding());
    SecAggCoordinator secagg = new SecAggCoordinator(session, parameters, input.words());
    Map<String, PublicKey> identityKeys = new LinkedHashMap<>();
    sites.forEach((id, identity) -> identityKeys.put(id, identity.publicKey()));
    Map<String, SecAggParticipant> participants = new LinkedHashMap<>();
    List<SecAggPublicKeys> advertised = new ArrayList<>();
    for (String id : SITES) {
      SecAggParticipant participant = new SecAggParticipant(id, session, parameters, sites.get(id).privateKey(),
          identityKeys::get, new SecureRandom());
      participants.put(id, participant);
      SignedKeys keys = participant.advertiseKeys();
      secagg.acceptKeys(keys, identityKeys.get(id));
      advertised.add(SecAggPublicKeys.newBuilder().setParticipant(id)
          .setEncryptionPublicKey(ByteString.copyFrom(keys.encryptionPublicKey()))
          .setMaskingPublicKey(ByteString.copyFrom(keys.maskingPublicKey()))
          .setSignature(ByteString.copyFrom(keys.signature()))
          .setCertificate(ByteString.copyFrom(sites.get(id).certificateDer())).build());
    }
    List<SignedKeys> all = secagg.advertisedKeys();
    for (String id : SITES) {
      List<EncryptedShare> shares = participants.get(id).shareKeys(all);
      secagg.acceptShares(id, shares);
    }
    secagg.sharesFor(SITES.get(0));
    return SecureTranscripts.of(JOB + "/r0/a1", 0, 1, SecureSessionTranscript.Stage.MASKED_INPUT, SITES, parameters,
        input, advertised, SITES, secagg.snapshot(), Map.of(), List.of(), Map.of());
  }

  private static List<JsonNode> records(Path ledger) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> records = new ArrayList<>();
    for (String line : Files.readAllLines(ledger)) {
      records.add(json.readTree(line));
    }
    return records;
  }

  private static JsonNode only(List<JsonNode> records, String type) {
    List<JsonNode> matching = records.stream().filter(r -> r.get("type").asText().equals(type)).toList();
    assertEquals(1, matching.size(), type + " records: " + matching);
    return matching.get(0);
  }
}
