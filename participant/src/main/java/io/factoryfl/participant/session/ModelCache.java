package io.factoryfl.participant.session;

import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.params.ModelHash;
import io.factoryfl.core.params.ParameterAssembler;
import io.factoryfl.proto.v1.DownloadModelRequest;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.ModelChunk;
import io.factoryfl.proto.v1.ModelHeader;
import io.factoryfl.participant.policy.PolicyCheck;
import io.factoryfl.participant.policy.PolicyDecision;
import io.grpc.Context;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Global models this site has fetched, by hash. A download's header is checked against the site
 * policy before a single parameter is received or allocated (a coordinator cannot make the site
 * allocate what it claims), and the download is verified against the hash it was asked for before
 * it is used: a model that arrives altered is never trained on.
 */
final class ModelCache {
  private static final int CAPACITY = 2;

  private final PolicyCheck policy;

  ModelCache(PolicyCheck policy) {
    this.policy = policy;
  }

  record CachedModel(String hash, ModelDefinition definition, float[] parameters) {}

  private final Map<String, CachedModel> models = new LinkedHashMap<>(4, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, CachedModel> eldest) {
      return size() > CAPACITY;
    }
  };

  CachedModel get(FleetGrpc.FleetBlockingStub stub, String sessionId, String hash, long timeoutSeconds) {
    CachedModel cached = models.get(hash);
    if (cached != null) {
      return cached;
    }
    // Cancelled on the way out, so a refused or broken download does not stay open on the wire.
    Context.CancellableContext download = Context.current().withCancellation();
    Context previous = download.attach();
    try {
      return fetch(stub, sessionId, hash, timeoutSeconds);
    } finally {
      download.detach(previous);
      download.cancel(null);
    }
  }

  private CachedModel fetch(FleetGrpc.FleetBlockingStub stub, String sessionId, String hash,
      long timeoutSeconds) {
    Iterator<ModelChunk> chunks = stub.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
        .downloadModel(DownloadModelRequest.newBuilder().setSessionId(sessionId).setModelHash(hash).build());
    if (!chunks.hasNext()) {
      throw TaskRefusedException.invalidTask("model " + hash + " download ended before its header");
    }
    ModelChunk first = chunks.next();
    if (!first.hasHeader()) {
      throw TaskRefusedException.invalidTask("model " + hash + " download did not start with a header");
    }
    ModelHeader header = first.getHeader();
    PolicyDecision admitted = policy.checkDownload(header.getConfigurationJson(), header.getNumParameters());
    if (!admitted.allowed()) {
      throw TaskRefusedException.policy(admitted);
    }
    ModelDefinition definition;
    try {
      definition = ModelDefinition.fromJson(header.getConfigurationJson());
    } catch (IllegalArgumentException e) {
      throw TaskRefusedException.invalidTask("model " + hash + " has an unusable configuration");
    }
    if (definition.numParameters() != header.getNumParameters()) {
      throw TaskRefusedException.invalidTask("model " + hash + " announces "
          + header.getNumParameters() + " parameters but its configuration has "
          + definition.numParameters());
    }
    ParameterAssembler assembler = new ParameterAssembler(header.getNumParameters());
    try {
      while (chunks.hasNext()) {
        assembler.append(chunks.next().getData().toByteArray());
      }
    } catch (IllegalArgumentException e) {
      throw TaskRefusedException.invalidTask("model " + hash + " download is malformed: " + e.getMessage());
    }
    String actual = ModelHash.of(header.getConfigurationJson(), assembler.finishHash());
    if (!assembler.complete() || !actual.equals(hash)) {
      throw TaskRefusedException.invalidTask("model download does not match its hash: asked for "
          + hash + ", received " + assembler.received() + " parameters hashing to " + actual);
    }
    CachedModel model = new CachedModel(hash, definition, assembler.values());
    models.put(hash, model);
    return model;
  }
}
