package io.factoryfl.coordinator.server;

import io.factoryfl.coordinator.job.ModelBudget;

/**
 * The resources the coordinator lets jobs and participants take, set by its operator.
 *
 * @param maxModelParameters the most parameters a submitted job's model may have
 *     ({@code --max-model-parameters})
 * @param maxUploadStreamsPerParticipant open SubmitUpdate streams one participant may hold
 *     ({@code --max-uploads-per-participant})
 * @param maxUploadBufferBytes bytes all updates in flight may buffer together
 *     ({@code --max-upload-buffer-mib})
 * @param memoryBytes the heap the coordinator may use ({@code -Xmx}); a job's model must fit it
 */
public record CoordinatorLimits(long maxModelParameters, int maxUploadStreamsPerParticipant,
    long maxUploadBufferBytes, long memoryBytes) {
  public static final long DEFAULT_MAX_MODEL_PARAMETERS = ModelBudget.DEFAULT_MAX_PARAMETERS;
  public static final int DEFAULT_MAX_UPLOADS_PER_PARTICIPANT = 4;

  public CoordinatorLimits {
    if (maxModelParameters < 1) {
      throw new IllegalArgumentException("maxModelParameters must be at least 1, was " + maxModelParameters);
    }
    if (maxUploadStreamsPerParticipant < 1) {
      throw new IllegalArgumentException("maxUploadStreamsPerParticipant must be at least 1, was "
          + maxUploadStreamsPerParticipant);
    }
    if (maxUploadBufferBytes < 1 || memoryBytes < 1) {
      throw new IllegalArgumentException("maxUploadBufferBytes and memoryBytes must be at least 1,"
          + " were " + maxUploadBufferBytes + " and " + memoryBytes);
    }
  }

  /**
   * The defaults: models up to 10^8 parameters, 4 upload streams per participant, and half the
   * JVM's maximum heap for update buffers.
   */
  public static CoordinatorLimits defaults() {
    long heap = Runtime.getRuntime().maxMemory();
    return new CoordinatorLimits(DEFAULT_MAX_MODEL_PARAMETERS, DEFAULT_MAX_UPLOADS_PER_PARTICIPANT,
        heap / 2, heap);
  }

  /** The same limits with another maximum model size. */
  public CoordinatorLimits withMaxModelParameters(long parameters) {
    return new CoordinatorLimits(parameters, maxUploadStreamsPerParticipant, maxUploadBufferBytes,
        memoryBytes);
  }

  ModelBudget modelBudget() {
    return new ModelBudget(maxModelParameters, memoryBytes, maxUploadBufferBytes);
  }

  UploadSlots uploadSlots() {
    return new UploadSlots(maxUploadStreamsPerParticipant, maxUploadBufferBytes);
  }
}
