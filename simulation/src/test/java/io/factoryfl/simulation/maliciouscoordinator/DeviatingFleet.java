package io.factoryfl.simulation.maliciouscoordinator;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.protobuf.ByteString;
import io.factoryfl.coordinator.server.AuthenticationInterceptor;
import io.factoryfl.coordinator.server.Peers;
import io.factoryfl.coordinator.server.ServerTls;
import io.factoryfl.core.model.MlpTemplate;
import io.factoryfl.core.params.ModelHash;
import io.factoryfl.core.params.ParameterCodec;
import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.security.CertificateAuthority;
import io.factoryfl.core.security.Role;
import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.core.security.TlsMaterial;
import io.factoryfl.participant.config.DatasetEntry;
import io.factoryfl.participant.data.DatasetCatalogue;
import io.factoryfl.participant.policy.PolicyCheck;
import io.factoryfl.participant.session.ChannelTls;
import io.factoryfl.participant.session.ParticipantAgent;
import io.factoryfl.participant.session.Site;
import io.factoryfl.proto.v1.DatasetBinding;
import io.factoryfl.proto.v1.DownloadModelRequest;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.HeartbeatRequest;
import io.factoryfl.proto.v1.HeartbeatResponse;
import io.factoryfl.proto.v1.ModelChunk;
import io.factoryfl.proto.v1.ModelHeader;
import io.factoryfl.proto.v1.PollTaskRequest;
import io.factoryfl.proto.v1.PollTaskResponse;
import io.factoryfl.proto.v1.RegisterRequest;
import io.factoryfl.proto.v1.RegisterResponse;
import io.factoryfl.proto.v1.ReportResultResponse;
import io.factoryfl.proto.v1.SubmitUpdateResponse;
import io.factoryfl.proto.v1.Task;
import io.factoryfl.proto.v1.TaskResult;
import io.factoryfl.proto.v1.UpdateChunk;
import io.factoryfl.proto.v1.UpdateHeader;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * A coordinator that deviates from the protocol, for the malicious-coordinator tests: a
 * hand-written Fleet service over real gRPC and mutual TLS (certificates from a real federation
 * CA) that sends each site whatever task the test composes and keeps everything the sites send
 * back, in front of real participant agents ({@link ParticipantAgent}, with their real {@code
 * SecureSessions}, contribution logs and the documented default site policy). The tests drive
 * the five SecAgg+ stages with core's real {@code SecAggCoordinator}, so what the coordinator
 * ends up holding is exactly what an attacker running this code would hold.
 *
 * <p>Why not the real {@code CoordinatorServer} with a tampering hook: the deviations (per-site
 * training settings, a rerun over another cohort) are decisions the real server makes in one
 * place each, and a hook there would be attack surface in production code; a Fleet service of
 * ~200 lines gives the attacker every freedom the wire gives it, which is the threat model.
 */
final class DeviatingFleet extends FleetGrpc.FleetImplBase implements AutoCloseable {
  static final String DATASET = "press";
  static final DatasetBinding BINDING = DatasetBinding.newBuilder().setName(DATASET).addNumericFeatures("x1")
      .addNumericFeatures("x2").setLabelColumn("y").addLabelClasses("0").addLabelClasses("1").build();
  static final String MODEL_JSON = MlpTemplate.configurationJson(2, List.of(4), 2, 0.01, 1);

  /** One upload: the header and the words (masked inputs are uint32 words). */
  record Upload(String site, UpdateHeader header, int[] words) {}

  private final Map<String, BlockingQueue<Task>> inboxes = new ConcurrentHashMap<>();
  private final Map<String, BlockingQueue<Object>> replies = new ConcurrentHashMap<>();
  private final Map<String, float[]> models = new ConcurrentHashMap<>();
  final List<Upload> uploads = java.util.Collections.synchronizedList(new ArrayList<>());
  private volatile BiConsumer<String, UpdateHeader> onUploadHeader = (site, header) -> { };

  private final Server server;
  private final byte[] revocationList;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<ParticipantAgent> agents = new ArrayList<>();
  final Map<String, Site> sites = new ConcurrentHashMap<>();

  /** Starts the coordinator and one real participant agent per name, each with its own data. */
  DeviatingFleet(Path dir, List<String> names) throws Exception {
    Clock clock = Clock.systemUTC();
    CertificateAuthority ca = CertificateAuthority.create("federation", clock, Duration.ofDays(2), new SecureRandom());
    revocationList = io.factoryfl.core.security.SignedRevocationList.sign(ca,
        io.factoryfl.core.security.RevocationList.empty()).encoded();
    TlsMaterial coordinator = TlsMaterial.of(ca.issue("coordinator", Role.COORDINATOR, Duration.ofDays(1),
        List.of("localhost")));
    server = ServerTls.serverBuilder(new InetSocketAddress("127.0.0.1", 0), coordinator)
        .addService(ServerInterceptors.intercept(this, new AuthenticationInterceptor())).build().start();
    int index = 0;
    for (String name : names) {
      index++;
      Path site = dir.resolve(name);
      Files.createDirectories(site);
      StringBuilder csv = new StringBuilder("x1,x2,y\n");
      SplittableRandom rows = new SplittableRandom(index);
      for (int i = 0; i < 40; i++) {
        double x1 = rows.nextDouble() * 4 - 2;
        double x2 = rows.nextDouble() * 4 - 2;
        csv.append(x1).append(',').append(x2).append(',').append(x1 + index * 0.3 * x2 > 0 ? 1 : 0).append('\n');
      }
      Files.writeString(site.resolve("train.csv"), csv);
      var issued = ca.issue(name, Role.PARTICIPANT, Duration.ofDays(1), List.of());
      Site real = new Site(name, new DatasetCatalogue(Map.of(DATASET,
          new DatasetEntry(DATASET, site.resolve("train.csv"), null, Map.of()))),
          SigningIdentity.of(issued), ca.certificate(), PolicyCheck.defaults(clock), site.resolve("receipts.jsonl"));
      sites.put(name, real);
      inboxes.put(name, new LinkedBlockingQueue<>());
      ManagedChannel channel = ChannelTls.open("localhost:" + server.getPort(), TlsMaterial.of(issued));
      ParticipantAgent agent = new ParticipantAgent(real, channel, Duration.ofMillis(500), new SplittableRandom(index));
      Thread thread = new Thread(agent, "participant-" + name);
      thread.setDaemon(true);
      thread.start();
      channels.add(channel);
      agents.add(agent);
    }
  }

  /** Serves a model version and returns its hash. */
  String publish(float[] parameters) {
    String hash = ModelHash.of(MODEL_JSON, parameters);
    models.put(hash, parameters.clone());
    return hash;
  }

  /** The initial parameters of the test model. */
  static float[] initialModel() {
    return ModelDefinition.fromJson(MODEL_JSON).initialParameters();
  }

  /** Runs the callback when a site's upload header arrives, before its words are read. */
  void onUploadHeader(BiConsumer<String, UpdateHeader> callback) {
    onUploadHeader = callback;
  }

  /** Sends a task (job, round, dataset and a task id filled in) to a site. */
  void send(String site, String taskId, Task.Builder task) {
    replies.put(taskId, new LinkedBlockingQueue<>());
    inboxes.get(site).add(task.setTaskId(taskId).setDataset(BINDING).build());
  }

  /** The site's answer to a task: a {@link TaskResult} or an {@link Upload}. */
  Object await(String taskId) throws InterruptedException {
    Object reply = replies.get(taskId).poll(60, TimeUnit.SECONDS);
    assertNotNull(reply, "no answer to task " + taskId + " within 60 s");
    return reply;
  }

  @Override
  public void close() throws InterruptedException {
    agents.forEach(ParticipantAgent::stop);
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static String caller() {
    return Peers.PEER.get().name();
  }

  @Override
  public void register(RegisterRequest request, StreamObserver<RegisterResponse> response) {
    response.onNext(RegisterResponse.newBuilder().setSessionId("session-" + caller()).setParticipantId(caller())
        .setHeartbeatIntervalMillis(1000).build());
    response.onCompleted();
  }

  @Override
  public void pollTask(PollTaskRequest request, StreamObserver<PollTaskResponse> response) {
    PollTaskResponse.Builder reply = PollTaskResponse.newBuilder();
    try {
      Task next = inboxes.get(caller()).poll(Math.min(request.getWaitMillis(), 1000), TimeUnit.MILLISECONDS);
      if (next != null && next.hasSecaggShareKeys() && next.getSecaggShareKeys().getRevocationList().isEmpty()) {
        // A deviating coordinator still relays the CA's signed list (it cannot forge one).
        next = next.toBuilder().setSecaggShareKeys(next.getSecaggShareKeys().toBuilder()
            .setRevocationList(com.google.protobuf.ByteString.copyFrom(revocationList))).build();
      }
      if (next != null) {
        reply.setTask(next);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    response.onNext(reply.build());
    response.onCompleted();
  }

  @Override
  public void downloadModel(DownloadModelRequest request, StreamObserver<ModelChunk> response) {
    float[] parameters = models.get(request.getModelHash());
    if (parameters == null) {
      response.onError(io.grpc.Status.NOT_FOUND.withDescription("no model " + request.getModelHash())
          .asRuntimeException());
      return;
    }
    response.onNext(ModelChunk.newBuilder().setHeader(ModelHeader.newBuilder().setModelHash(request.getModelHash())
        .setConfigurationJson(MODEL_JSON).setNumParameters(parameters.length)).build());
    for (byte[] chunk : ParameterCodec.chunks(parameters)) {
      response.onNext(ModelChunk.newBuilder().setData(ByteString.copyFrom(chunk)).build());
    }
    response.onCompleted();
  }

  @Override
  public StreamObserver<UpdateChunk> submitUpdate(StreamObserver<SubmitUpdateResponse> response) {
    String site = caller();
    return new StreamObserver<>() {
      private UpdateHeader header;
      private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

      @Override
      public void onNext(UpdateChunk chunk) {
        if (chunk.hasHeader()) {
          header = chunk.getHeader();
          onUploadHeader.accept(site, header);
        } else {
          bytes.writeBytes(chunk.getData().toByteArray());
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        ByteBuffer buffer = ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        int[] words = new int[buffer.remaining() / Integer.BYTES];
        buffer.asIntBuffer().get(words);
        Upload upload = new Upload(site, header, words);
        uploads.add(upload);
        response.onNext(SubmitUpdateResponse.newBuilder().setAccepted(true).build());
        response.onCompleted();
        BlockingQueue<Object> queue = replies.get(header.getTaskId());
        if (queue != null) {
          queue.add(upload);
        }
      }
    };
  }

  @Override
  public void reportResult(TaskResult result, StreamObserver<ReportResultResponse> response) {
    response.onNext(ReportResultResponse.getDefaultInstance());
    response.onCompleted();
    BlockingQueue<Object> queue = replies.get(result.getTaskId());
    if (queue != null) {
      queue.add(result);
    }
  }

  @Override
  public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
    response.onNext(HeartbeatResponse.newBuilder().setSessionValid(true).build());
    response.onCompleted();
  }
}
