package io.factoryfl.simulation.maliciouscoordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.coordinator.admin.AdminClient;
import io.factoryfl.coordinator.enrol.EnrolmentService;
import io.factoryfl.coordinator.enrol.RelayedRevocations;
import io.factoryfl.coordinator.server.AuthenticationInterceptor;
import io.factoryfl.coordinator.server.CoordinatorLimits;
import io.factoryfl.coordinator.server.CoordinatorServer;
import io.factoryfl.coordinator.server.ServerTls;
import io.factoryfl.core.secagg.EncryptedShare;
import io.factoryfl.core.secagg.NeighbourGraph;
import io.factoryfl.core.secagg.SecAggException;
import io.factoryfl.core.secagg.SecAggParameters;
import io.factoryfl.core.secagg.SecAggParticipant;
import io.factoryfl.core.secagg.SessionInfo;
import io.factoryfl.core.secagg.SignedKeys;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.proto.v1.PollTaskResponse;
import io.factoryfl.proto.v1.RoundEvent;
import io.factoryfl.proto.v1.SecAggAdvertiseKeys;
import io.factoryfl.proto.v1.SecAggPublicKeys;
import io.factoryfl.proto.v1.SecAggShare;
import io.factoryfl.proto.v1.SecAggShareKeys;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskResult;
import io.factoryfl.simulation.PlantSites;
import com.google.protobuf.ByteString;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * H4: a coordinator that holds the CA key (the development layout, {@code --ca-dir --dev-ca})
 * mints a certificate for the target's neighbour with an identity key of its own, and in the
 * share-keys stage relays to the target forged round keys for that neighbour, signed with the
 * minted key. Had the target accepted them, it would encrypt its shares for that neighbour to a
 * key the coordinator holds, and with them the coordinator can unmask the target alone.
 *
 * <p>Real coordinator (the deviation is an interceptor on its own server, rewriting the tasks it
 * sends and keeping what the target answers), real participant agents over loopback mutual TLS,
 * real certificates from the same CA. After an honest secure job the target has pinned its
 * peers' identity keys, and refuses the forged ones: the coordinator holds no share of the
 * target's. The second test plays the same forgery at first sight, before anything is pinned,
 * and shows what the pin prevents: the coordinator decrypts the target's share (trust on first
 * use; see docs/security.md).
 */
class ForgedPeerKeysAttackTest {
  private static final int SITES = 4;
  private static final String TARGET = "plant-1";
  private static final String IMPERSONATED = "plant-2";

  @TempDir Path dir;
  private final Clock clock = Clock.systemUTC();
  private final SecureRandom random = new SecureRandom();
  private CertificateAuthority caKey;
  private CoordinatorServer coordinator;
  private PlantSites plants;
  private ManagedChannel engineer;
  private AdminClient admin;
  private final Forger forger = new Forger();

  @BeforeEach
  void start() throws Exception {
    Path caDir = dir.resolve("ca");
    caKey = CertificateAuthority.create("acme", clock, Duration.ofDays(30), random);
    caKey.save(caDir);
    List<Path> sites = new ArrayList<>();
    for (int i = 1; i <= SITES; i++) {
      Path site = dir.resolve("sites/plant-" + i);
      caKey.issue("plant-" + i, Role.PARTICIPANT, Duration.ofDays(1), List.of()).writeTo(site,
          "site");
      sites.add(site);
    }
    IssuedIdentity self = caKey.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1),
        List.of("localhost"));
    // the development layout: the CA runs inside the coordinator, key and all
    EnrolmentService enrolment = EnrolmentService.open(caDir, clock, random);
    RelayedRevocations revocations = RelayedRevocations.fromDevelopmentCa(enrolment, clock);
    forger.gate = new AuthenticationInterceptor(revocations, clock);
    coordinator = CoordinatorServer.assemble(
        ServerTls.serverBuilder(new InetSocketAddress("127.0.0.1", 0), TlsMaterial.of(self)),
        dir.resolve("coordinator-data"), clock, Duration.ofSeconds(5), forger,
        SigningIdentity.of(self), enrolment, CoordinatorLimits.defaults(), revocations).start();
    String target = "localhost:" + coordinator.port();
    engineer = AdminClient.openChannel(target, TlsMaterial.of(caKey.issue("ml-engineer",
        Role.ADMIN, Duration.ofDays(1), List.of())));
    admin = new AdminClient(engineer);
    plants = PlantSites.start(sites, target);
    admin.awaitParticipants(SITES, Duration.ofSeconds(60));
  }

  @AfterEach
  void stop() throws Exception {
    plants.close();
    engineer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    coordinator.stop();
  }

  private void runSecureJob(String name) {
    String jobId = admin.submit(PlantSites.secureJob(name, SITES)).getJobId();
    RoundEvent end = admin.watch(jobId, Duration.ofSeconds(60), event -> { });
    assertNotNull(end, "job " + name + " did not end within 60 s");
  }

  @Test
  void forgedKeysForAPinnedNeighbour_areRefused_andTheCoordinatorGetsNoShareOfTheTarget() {
    runSecureJob("honest");
    assertEquals(SITES - 1, forger.sharesFromTarget("honest").size(),
        "in the honest job the target shared with each neighbour");

    forger.armedFor = "forged";
    runSecureJob("forged");

    TaskResult answer = forger.shareKeysAnswer("forged");
    assertTrue(answer.hasRefusal(), "the target refused the forged keys: " + answer);
    assertTrue(answer.getRefusal().getReason().contains("peer '" + IMPERSONATED + "' came with"
        + " identity key " + forger.mintedKeyFingerprint() + ", but this site pinned "),
        answer.getRefusal().getReason());
    assertEquals(List.of(), forger.sharesFromTarget("forged"),
        "the coordinator holds no share of the target's from the forged round");
  }

  @Test
  void withoutAPin_theSameForgeryGivesTheCoordinatorTheTargetsShare() {
    forger.armedFor = "first-sight";
    runSecureJob("first-sight");

    List<SecAggShare> shares = forger.sharesFromTarget("first-sight");
    SecAggShare toImpersonated = shares.stream().filter(s -> s.getTo().equals(IMPERSONATED))
        .findFirst().orElseThrow(() -> new AssertionError("no share for " + IMPERSONATED
            + " in the target's answer " + forger.shareKeysAnswer("first-sight")));
    // The forged participant opens it: decryption succeeds, and only the threshold check of the
    // next step (one share is fewer than t) stops maskInput; a share it could not open would
    // fail with "does not authenticate" first.
    SecAggException opened = assertThrows(SecAggException.class,
        () -> forger.forged.maskInput(List.of(new EncryptedShare(toImpersonated.getFrom(),
            toImpersonated.getTo(), toImpersonated.getCiphertext().toByteArray())), new int[1]));
    assertTrue(opened.getMessage().startsWith("only 1 of my"), opened.getMessage());
  }

  /**
   * The coordinator's deviation, in front of its real authentication interceptor: remembers each
   * secure round's setup, replaces the impersonated neighbour's keys in the target's share-keys
   * task with keys it makes under a certificate it mints, and keeps what the target answers.
   */
  private final class Forger implements ServerInterceptor {
    volatile ServerInterceptor gate;
    volatile String armedFor = "";
    volatile SecAggParticipant forged;
    private volatile IssuedIdentity minted;
    private final Map<String, SecAggAdvertiseKeys> setups = new ConcurrentHashMap<>();
    private final Map<String, String> jobNames = new ConcurrentHashMap<>();
    private final Map<String, TaskResult> answers = new ConcurrentHashMap<>();

    String mintedKeyFingerprint() {
      return io.factoryfl.core.security.KeyContinuity.fingerprint(
          SigningIdentity.of(minted).publicKey());
    }

    TaskResult shareKeysAnswer(String jobName) {
      TaskResult answer = answers.get(jobName);
      assertNotNull(answer, "the target never answered the share-keys stage of " + jobName);
      return answer;
    }

    List<SecAggShare> sharesFromTarget(String jobName) {
      return shareKeysAnswer(jobName).getSecaggShares().getSharesList();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      ServerCall<Q, R> tampering = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
        @Override
        @SuppressWarnings("unchecked")
        public void sendMessage(R message) {
          if (message instanceof PollTaskResponse polled && polled.hasTask()) {
            message = (R) polled.toBuilder().setTask(tamper(polled.getTask())).build();
          }
          super.sendMessage(message);
        }
      };
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
          gate.interceptCall(tampering, headers, next)) {
        @Override
        public void onMessage(Q message) {
          if (message instanceof TaskResult result && result.getTaskId().contains("/secagg-shares/"
              + TARGET)) {
            // the first attempt's answer: a failed round may be retried, with other keys
            answers.putIfAbsent(jobNames.getOrDefault(result.getJobId(), "?"), result);
          }
          super.onMessage(message);
        }
      };
    }

    private Task tamper(Task task) {
      if (task.hasSecaggAdvertise()) {
        setups.put(task.getSecaggAdvertise().getSessionTag(), task.getSecaggAdvertise());
        jobNames.computeIfAbsent(task.getJobId(), id -> admin.status(id).getName());
      }
      if (!task.hasSecaggShareKeys() || !task.getTaskId().endsWith("/" + TARGET)
          || !armedFor.equals(jobNames.get(task.getJobId())) || forged != null) {
        return task;
      }
      SecAggShareKeys relayed = task.getSecaggShareKeys();
      SecAggAdvertiseKeys setup = setups.get(relayed.getSessionTag());
      minted = caKey.issue(IMPERSONATED, Role.PARTICIPANT, Duration.ofDays(1), List.of());
      Map<String, PublicKey> identities = new ConcurrentHashMap<>();
      for (SecAggPublicKeys keys : relayed.getKeysList()) {
        identities.put(keys.getParticipant(), SigningIdentity.verifiedSigningKey(
            keys.getCertificate().toByteArray(), caKey.certificate(), keys.getParticipant(), clock));
      }
      identities.put(IMPERSONATED, SigningIdentity.of(minted).publicKey());
      List<String> cohort = setup.getCohortList();
      // The forger plays the protocol exactly as a real site would: same binding (the job's first
      // session is round 0's feature statistics), and the
      // neighbour graph derived from the keys (as every site derives it).
      forged = new SecAggParticipant(IMPERSONATED,
          new SessionInfo(task.getJobId(), task.getRound(), setup.getModelHash(), cohort, setup.hasStatistics()
              ? io.factoryfl.core.secagg.TrainingBinding.statistics(task.getJobId(), task.getDataset(),
                  setup.getMaxExamples())
              : io.factoryfl.core.secagg.TrainingBinding.of(setup.getTrain(), task.getDataset(),
                  setup.getMaxExamples())),
          SecAggParameters.of(cohort.size(), setup.getNeighbours(), setup.getThreshold(),
              setup.getClip(), setup.getBits()),
          minted.signingKey(), identities::get, random);
      SignedKeys fake = forged.advertiseKeys();
      SecAggShareKeys.Builder swapped = relayed.toBuilder().clearKeys();
      List<SignedKeys> seenByTarget = new ArrayList<>();
      for (SecAggPublicKeys keys : relayed.getKeysList()) {
        SecAggPublicKeys sent = !keys.getParticipant().equals(IMPERSONATED) ? keys
            : SecAggPublicKeys.newBuilder().setParticipant(IMPERSONATED)
                .setEncryptionPublicKey(ByteString.copyFrom(fake.encryptionPublicKey()))
                .setMaskingPublicKey(ByteString.copyFrom(fake.maskingPublicKey()))
                .setSignature(ByteString.copyFrom(fake.signature()))
                .setCertificate(ByteString.copyFrom(SigningIdentity.of(minted).certificateDer()))
                .build();
        swapped.addKeys(sent);
        seenByTarget.add(new SignedKeys(sent.getParticipant(),
            sent.getEncryptionPublicKey().toByteArray(), sent.getMaskingPublicKey().toByteArray(),
            sent.getSignature().toByteArray()));
      }
      // the forged participant takes part in the target's view of the session, so it can open
      // what the target encrypts for it
      forged.shareKeys(seenByTarget);
      return task.toBuilder().setSecaggShareKeys(swapped).build();
    }
  }
}
