package io.factoryfl.participant.session;

import io.factoryfl.core.model.ModelDefinition;
import io.factoryfl.core.params.ModelHash;
import io.factoryfl.core.params.ParameterAssembler;
import io.factoryfl.proto.v1.DownloadModelRequest;
import io.factoryfl.proto.v1.FleetGrpc;
import io.factoryfl.proto.v1.ModelChunk;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Global models this site has fetched, by hash. A download is verified against the hash it was
 * asked for before it is used: a model that arrives altered is never trained on.
 */
final class ModelCache {
  private static final int CAPACITY = 2;

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
    Iterator<ModelChunk> chunks = stub.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
        .downloadModel(DownloadModelRequest.newBuilder().setSessionId(sessionId).setModelHash(hash).build());
    if (!chunks.hasNext()) {
      throw new IllegalStateException("model " + hash + " download ended before its header");
    }
    ModelChunk first = chunks.next();
    if (!first.hasHeader()) {
      throw new IllegalStateException("model " + hash + " download did not start with a header");
    }
    ParameterAssembler assembler = new ParameterAssembler(first.getHeader().getNumParameters());
    while (chunks.hasNext()) {
      assembler.append(chunks.next().getData().toByteArray());
    }
    String actual = ModelHash.of(first.getHeader().getConfigurationJson(), assembler.finishHash());
    if (!assembler.complete() || !actual.equals(hash)) {
      throw new IllegalStateException("model download does not match its hash: asked for " + hash
          + ", received " + assembler.received() + " parameters hashing to " + actual);
    }
    ModelDefinition definition = ModelDefinition.fromJson(first.getHeader().getConfigurationJson());
    CachedModel model = new CachedModel(hash, definition, assembler.values());
    models.put(hash, model);
    return model;
  }
}
