package io.factoryfl.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.factoryfl.coordinator.server.AuthenticationInterceptor;
import io.factoryfl.coordinator.server.CoordinatorServer;
import io.factoryfl.coordinator.server.ServerTls;
import io.factoryfl.coordinator.store.FileModelStore;
import io.factoryfl.core.ledger.LedgerRecord;
import io.factoryfl.core.ledger.LedgerWriter;
import io.factoryfl.core.ledger.MerkleTree;
import io.factoryfl.core.ledger.Receipt;
import io.factoryfl.core.ledger.ReceiptLog;
import io.factoryfl.core.params.ContentHash;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.IssuedIdentity;
import io.factoryfl.core.security.Pem;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.proto.v1.DownloadModelRequest;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.ModelChunk;
import io.factoryfl.proto.v1.RegisterRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Adversarial tests for the audit trail (issue 7, item 6), one per row of the issue's table: a
 * forger of round logs who appends a fake round after the signed end of a job, an auditor
 * checking the receipts of a site that took part in two jobs, and a corrupt model file under the
 * coordinator's data directory. Each asserts the defended outcome.
 */
class ForgedRoundLogTest {

  private static final Instant T0 = Instant.parse("2025-03-01T08:00:00Z");
  private static final Clock LATER = Clock.fixed(T0.plus(Duration.ofDays(1)), ZoneOffset.UTC);
  private static final List<String> SITES = List.of("plant-1", "plant-2", "plant-3");

  @TempDir Path tmp;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private CertificateAuthority ca;
  private SigningIdentity coordinator;
  private Path caPem;
  private Path receipts;

  @BeforeEach
  void federation() throws Exception {
    ca = CertificateAuthority.create("acme", Clock.fixed(T0, ZoneOffset.UTC),
        Duration.ofDays(365), new SecureRandom());
    coordinator = SigningIdentity.of(ca.issue("coordinator", Role.COORDINATOR,
        Duration.ofDays(30), List.of("localhost")));
    caPem = tmp.resolve("ca.pem");
    Pem.writeCertificate(caPem, ca.certificate());
    receipts = tmp.resolve("receipts");
  }

  private int audit(String... args) {
    out.reset();
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
    return AuditCommand.run(args, print, print, LATER);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String hash(String s) {
    return ContentHash.of(s.getBytes(StandardCharsets.UTF_8));
  }

  // --- row: records appended after the signed job_finished (a fake round with contributor
  // mallory) -> audit verify printed OK; the report shows them as real

  @Test
  void fakeRoundAppendedAfterTheSignedJobFinished_failsVerifyAndIsNotShownAsARound()
      throws Exception {
    Path ledger = writeJob("job-1", 2);
    int signedEnd = lineCount(ledger);
    appendForged(ledger, "round_opened", Map.of("job_id", "job-1", "round", 3, "attempt", 0,
        "cohort", List.of("mallory")), null);
    appendForged(ledger, "contribution_accepted", Map.of("job_id", "job-1", "round", 3,
        "attempt", 0, "participant", "mallory", "contribution_hash", hash("poison")), null);
    appendForged(ledger, "evaluation", Map.of("job_id", "job-1", "round", 3, "roc_auc", 1.0,
        "participants", 1), null);

    assertEquals(1, audit("verify", ledger.toString(), "--ca", caPem.toString(),
        "--receipts", receipts.toString()), out());
    assertTrue(out().startsWith("FAILED: records " + (signedEnd + 1) + " to " + (signedEnd + 3)
        + " (lines " + (signedEnd + 1) + " to " + (signedEnd + 3) + ") come after the last"
        + " signed record (record " + signedEnd + ", job_finished): no coordinator signature"
        + " covers them; record " + (signedEnd + 1) + " (line " + (signedEnd + 1)
        + "), round_opened, is of job job-1, which ended with the signed job_finished record "
        + signedEnd + ": a finished job's log gets no more records"), out());
    assertTrue(!out().contains("--allow-unsigned-tail accepts"),
        "no hint to accept records of a finished job: " + out());

    assertEquals(1, audit("verify", ledger.toString(), "--ca", caPem.toString(),
        "--allow-unsigned-tail"), "accepting the tail of a running job does not accept these");
    assertTrue(out().startsWith("FAILED: "), out());

    Path html = tmp.resolve("report.html");
    assertEquals(0, audit("report", ledger.toString(), "--out", html.toString()), out());
    String page = Files.readString(html, StandardCharsets.UTF_8);
    assertTrue(!page.contains("data-round=\"3\""), "the fake round is not shown as a round");
    assertTrue(page.contains("content=\"job-1:1 job-1:2\""), "the rounds are the real ones");
    int unsigned = page.indexOf("<h2>Unsigned records (not verified)</h2>");
    assertTrue(unsigned > 0 && page.indexOf("mallory") > unsigned,
        "mallory appears only among the unsigned records");
    assertTrue(page.contains("3 records (record " + (signedEnd + 1) + " (line " + (signedEnd + 1)
        + ") to record " + (signedEnd + 3) + " (line " + (signedEnd + 3) + ")) come after the"
        + " last signed record"), page);
  }

  @Test
  void fakeRoundClosedSignedWithAParticipantsOwnKey_failsVerifyAndIsNotShownAsARound()
      throws Exception {
    // mallory is a real, enrolled participant: her certificate binds a signing key of her own
    SigningIdentity mallory = SigningIdentity.of(ca.issue("mallory", Role.PARTICIPANT,
        Duration.ofDays(30), List.of()));
    Path ledger = writeJob("job-1", 2);
    int signedEnd = lineCount(ledger);
    String contribution = hash("poison");
    appendForged(ledger, "round_opened", Map.of("job_id", "job-1", "round", 3, "attempt", 0,
        "cohort", List.of("mallory")), null);
    appendForged(ledger, "contribution_accepted", Map.of("job_id", "job-1", "round", 3,
        "attempt", 0, "participant", "mallory", "contribution_hash", contribution), null);
    Map<String, Object> closed = new TreeMap<>();
    closed.putAll(Map.of("job_id", "job-1", "round", 3, "attempt", 0, "cohort_size", 1,
        "contributors", List.of("mallory"), "merkle_root",
        MerkleTree.root(List.of(contribution)), "aggregate_hash", hash("a"), "model_hash",
        hash("poisoned model"), "metrics", Map.of("train_loss", 0.01), "secure_aggregation",
        Map.of("enabled", false)));
    appendForged(ledger, "round_closed", closed, mallory);

    assertEquals(1, audit("verify", ledger.toString(), "--ca", caPem.toString(),
        "--allow-unsigned-tail"));
    assertTrue(out().startsWith("FAILED: record " + (signedEnd + 3) + " (line " + (signedEnd + 3)
        + "), round_closed: its signature does not verify with the signing key of coordinator"
        + " 'coordinator'"), out());

    Path html = tmp.resolve("report.html");
    assertEquals(0, audit("report", ledger.toString(), "--out", html.toString()), out());
    String page = Files.readString(html, StandardCharsets.UTF_8);
    assertTrue(!page.contains("data-round=\"3\""),
        "records after the record the signed head names are not shown as rounds, sig or not");
    assertTrue(page.contains("Unsigned records (not verified)"));
  }

  // --- row: audit verify --receipts on a site that took part in two jobs -> a false tamper
  // alarm for every real site

  @Test
  void receiptsOfASiteInTwoJobs_verifyAgainstEachJobsLedgerAndOtherJobsAreSkipped()
      throws Exception {
    Path job1 = writeJob("job-1", 2);
    Path job2 = writeJob("job-2", 1);

    assertEquals(0, audit("verify", job1.toString(), "--ca", caPem.toString(), "--receipts",
        receipts.toString()), out());
    assertEquals("OK: " + lineCount(job1) + " records, 2 rounds, 6 receipts verified\n"
        + "skipped 3 receipt(s) of other jobs (job-2): this ledger does not log them; check them"
        + " against those jobs' ledgers\n", out());

    assertEquals(0, audit("verify", job2.toString(), "--ca", caPem.toString(), "--receipts",
        receipts.toString()), out());
    assertTrue(out().startsWith("OK: " + lineCount(job2) + " records, 1 rounds, 3 receipts"
        + " verified\nskipped 6 receipt(s) of other jobs (job-1)"), out());
  }

  @Test
  void aReceiptOfThisJobThatTheLedgerLacks_stillFails() throws Exception {
    Path job1 = writeJob("job-1", 2);
    writeJob("job-2", 1);
    Receipt real = ReceiptLog.open(receipts.resolve("plant-1.jsonl")).read().get(0);
    // a round the coordinator acknowledged to plant-1 but left out of job-1's log
    ReceiptLog.open(receipts.resolve("plant-1.jsonl")).append(Receipt.sign("job-1", 9,
        "plant-1", real.contributionHash(), real.leafIndex(), real.treeSize(), real.proof(),
        real.merkleRoot(), 99, coordinator));

    assertEquals(1, audit("verify", job1.toString(), "--ca", caPem.toString(), "--receipts",
        receipts.toString()));
    assertTrue(out().startsWith("FAILED: receipt plant-1.jsonl line 4 (plant-1, job job-1 round"
        + " 9): it points to record 99"), out());
    assertTrue(out().contains("the round it proves is not in the ledger"), out());
  }

  // --- row: a corrupt model file under the coordinator's data directory -> not noticed at
  // start; the same hash committed again left the corrupt file in place

  @Test
  void corruptModelFile_isReportedAtStartRefusedWithDataLossAndRewrittenWhenCommittedAgain()
      throws Exception {
    Path data = tmp.resolve("coordinator-data");
    String config = "{\"hidden_layers\":[4],\"inputs\":3}";
    float[] parameters = new float[1000];
    for (int i = 0; i < parameters.length; i++) {
      parameters[i] = i / 7f;
    }
    String hash = new FileModelStore(data).put(config, parameters).hash();
    Path file = data.resolve("models/" + hash + ".params");
    byte[] bytes = Files.readAllBytes(file);
    bytes[1234] ^= 0x01;
    Files.write(file, bytes);

    ListAppender<ILoggingEvent> capture = new ListAppender<>();
    capture.start();
    Logger storeLog = (Logger) LoggerFactory.getLogger(FileModelStore.class);
    storeLog.addAppender(capture);
    storeLog.setLevel(Level.INFO);
    java.util.function.Supplier<String> logged = () -> String.join("\n", capture.list.stream()
        .map(event -> event.getLevel() + " " + event.getFormattedMessage()).toList());
    // live certificates: this coordinator really starts and serves over TLS
    CertificateAuthority live = CertificateAuthority.create("acme", Clock.systemUTC(),
        Duration.ofDays(2), new SecureRandom());
    IssuedIdentity liveCoordinator = live.issue("coordinator", Role.COORDINATOR,
        Duration.ofDays(1), List.of("localhost"));
    CoordinatorServer server = CoordinatorServer.assemble(
        ServerTls.serverBuilder(new InetSocketAddress("127.0.0.1", 0),
            TlsMaterial.of(liveCoordinator)),
        data, Clock.systemUTC(), Duration.ofSeconds(30), new AuthenticationInterceptor(),
        SigningIdentity.of(liveCoordinator)).start();
    ManagedChannel channel = participantChannel(live, server.port());
    try {
      String log = logged.get();
      assertTrue(log.contains("ERROR model store " + data.resolve("models") + ": model " + hash
          + " is corrupt on the coordinator: models/" + hash + ".params"), log);
      assertTrue(log.contains("To repair: restore models/" + hash + ".params"), log);

      FleetGrpc.FleetBlockingStub fleet = FleetGrpc.newBlockingStub(channel);
      String session = fleet.withDeadlineAfter(10, TimeUnit.SECONDS)
          .register(RegisterRequest.newBuilder().build()).getSessionId();
      StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
          () -> download(fleet, session, hash));
      assertEquals(Status.Code.DATA_LOSS, refused.getStatus().getCode());
      assertTrue(refused.getStatus().getDescription().startsWith("model " + hash
          + " is corrupt on the coordinator"), refused.getStatus().getDescription());

      // the same model committed again (as a job that starts from it would) repairs it
      new FileModelStore(data).put(config, parameters);
      assertTrue(logged.get().contains("rewrote model " + hash), logged.get());
      assertEquals(parameters.length * Float.BYTES, download(fleet, session, hash));
      assertEquals(List.of(), new FileModelStore(data).corruptAtStart());
    } finally {
      storeLog.detachAppender(capture);
      storeLog.setLevel(null);
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.stop();
    }
  }

  /** Downloads a model and returns how many parameter bytes arrived. */
  private static long download(FleetGrpc.FleetBlockingStub fleet, String session, String hash) {
    long bytes = 0;
    Iterator<ModelChunk> chunks = fleet.withDeadlineAfter(10, TimeUnit.SECONDS).downloadModel(
        DownloadModelRequest.newBuilder().setSessionId(session).setModelHash(hash).build());
    while (chunks.hasNext()) {
      ModelChunk chunk = chunks.next();
      bytes += chunk.hasHeader() ? 0 : chunk.getData().size();
    }
    return bytes;
  }

  private static ManagedChannel participantChannel(CertificateAuthority ca, int port)
      throws Exception {
    TlsMaterial site = TlsMaterial.of(ca.issue("plant-1", Role.PARTICIPANT, Duration.ofDays(1),
        List.of()));
    return NettyChannelBuilder.forTarget("localhost:" + port)
        .sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient()
            .keyManager(site.keyManagerFactory()).trustManager(site.trustManagerFactory()))
            .protocols("TLSv1.3").build())
        .build();
  }

  /**
   * A finished job's ledger {@code <jobId>.jsonl}: {@code rounds} rounds of {@link #SITES}, each
   * closed and signed, with the receipts in {@code receipts/<site>.jsonl} (one file per site
   * for all jobs, as a participant keeps them).
   */
  private Path writeJob(String jobId, int rounds) throws Exception {
    Path ledger = tmp.resolve(jobId + ".jsonl");
    try (LedgerWriter w = LedgerWriter.open(ledger, coordinator, Clock.fixed(T0, ZoneOffset.UTC))) {
      w.append("job_submitted", Map.of("job_id", jobId, "name", "bearings",
          "spec_hash", hash("spec " + jobId), "by", "alice"));
      for (int round = 1; round <= rounds; round++) {
        w.append("round_opened", Map.of("job_id", jobId, "round", round, "attempt", 0,
            "cohort", SITES));
        Map<String, String> hashes = new LinkedHashMap<>();
        for (String site : SITES) {
          String h = hash(jobId + site + round);
          w.append("contribution_accepted", Map.of("job_id", jobId, "round", round,
              "attempt", 0, "participant", site, "contribution_hash", h));
          hashes.put(site, h);
        }
        Map<String, Object> closed = new LinkedHashMap<>();
        closed.put("job_id", jobId);
        closed.put("round", round);
        closed.put("attempt", 0);
        closed.put("cohort_size", SITES.size());
        closed.put("contributors", SITES);
        closed.put("merkle_root", MerkleTree.root(new ArrayList<>(hashes.values())));
        closed.put("aggregate_hash", hash("aggregate" + round));
        closed.put("model_hash", hash("model" + round));
        closed.put("metrics", Map.of("train_loss", 1.0 / round));
        closed.put("secure_aggregation", Map.of("enabled", false));
        LedgerRecord record = w.appendSigned("round_closed", closed);
        for (Receipt r : Receipt.forRound(record, hashes, coordinator)) {
          ReceiptLog.open(receipts.resolve(r.participant() + ".jsonl")).append(r);
        }
      }
      w.appendSigned("job_finished", Map.of("job_id", jobId, "state", "SUCCEEDED",
          "message", rounds + " rounds", "model_hash", hash("model" + rounds)));
    }
    return ledger;
  }

  private static int lineCount(Path ledger) throws Exception {
    return Files.readAllLines(ledger, StandardCharsets.UTF_8).size();
  }

  /**
   * Appends a record as a forger with write access to the file would: the right seq, the hash
   * of the last line as prev, canonical JSON (sorted keys, no white space); signed with {@code
   * signer}'s key if given.
   */
  private static void appendForged(Path ledger, String type, Map<String, Object> fields,
      SigningIdentity signer) throws Exception {
    List<String> lines = Files.readAllLines(ledger, StandardCharsets.UTF_8);
    TreeMap<String, Object> record = new TreeMap<>(fields);
    record.put("type", type);
    record.put("seq", lines.size() + 1);
    record.put("prev", hash(lines.get(lines.size() - 1)));
    record.put("time", T0.plusSeconds(3600 + lines.size()).toString());
    ObjectMapper json = new ObjectMapper();
    String line = json.writeValueAsString(sorted(record));
    if (signer != null) {
      record.put("sig", Base64.getEncoder().encodeToString(SigningIdentity.sign(
          signer.privateKey(), line.getBytes(StandardCharsets.UTF_8))));
      line = json.writeValueAsString(sorted(record));
    }
    Files.writeString(ledger, line + "\n", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
  }

  @SuppressWarnings("unchecked")
  private static Object sorted(Object value) {
    if (value instanceof Map<?, ?> map) {
      TreeMap<String, Object> out = new TreeMap<>();
      map.forEach((k, v) -> out.put((String) k, sorted(v)));
      return out;
    }
    return value;
  }
}
