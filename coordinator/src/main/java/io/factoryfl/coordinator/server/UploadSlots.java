package io.factoryfl.coordinator.server;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What the coordinator lets participants hold while they upload: a bounded number of open
 * SubmitUpdate streams per participant, and a bounded total of bytes buffered for updates in
 * flight across all streams. A stream claims its slot when it opens and its bytes before its
 * spill file is created; both are returned when the stream ends in any way. Updates in flight are
 * spilled to files in {@link #spillDirectory} ({@link UpdateSpill}), so the byte bound limits disk,
 * not heap.
 */
final class UploadSlots {
  private final int maxStreamsPerParticipant;
  private final long maxBufferBytes;
  private final Path spillDirectory;
  private final Map<String, Integer> streams = new HashMap<>();
  private long bufferedBytes;

  /**
   * @param maxStreamsPerParticipant open SubmitUpdate streams one participant may hold
   * @param maxBufferBytes bytes of update buffers all streams together may hold
   */
  UploadSlots(int maxStreamsPerParticipant, long maxBufferBytes) {
    this(maxStreamsPerParticipant, maxBufferBytes, Path.of(System.getProperty("java.io.tmpdir")));
  }

  /**
   * @param spillDirectory where updates in flight are spilled (created when first needed)
   */
  UploadSlots(int maxStreamsPerParticipant, long maxBufferBytes, Path spillDirectory) {
    if (maxStreamsPerParticipant < 1) {
      throw new IllegalArgumentException(
          "maxStreamsPerParticipant must be at least 1, was " + maxStreamsPerParticipant);
    }
    if (maxBufferBytes < 1) {
      throw new IllegalArgumentException("maxBufferBytes must be at least 1, was " + maxBufferBytes);
    }
    this.maxStreamsPerParticipant = maxStreamsPerParticipant;
    this.maxBufferBytes = maxBufferBytes;
    this.spillDirectory = spillDirectory;
  }

  Path spillDirectory() {
    return spillDirectory;
  }

  int maxStreamsPerParticipant() {
    return maxStreamsPerParticipant;
  }

  long maxBufferBytes() {
    return maxBufferBytes;
  }

  /** Opens a stream for the participant, unless it already holds the most it may. */
  synchronized boolean openStream(String participant) {
    int open = streams.getOrDefault(participant, 0);
    if (open >= maxStreamsPerParticipant) {
      return false;
    }
    streams.put(participant, open + 1);
    return true;
  }

  synchronized void closeStream(String participant) {
    streams.computeIfPresent(participant, (id, open) -> open <= 1 ? null : open - 1);
  }

  /** Reserves buffer bytes for one update, unless the total would pass the bound. */
  synchronized boolean reserve(long bytes) {
    if (bytes < 0 || bytes > maxBufferBytes - bufferedBytes) {
      return false;
    }
    bufferedBytes += bytes;
    return true;
  }

  synchronized void release(long bytes) {
    bufferedBytes = Math.max(0, bufferedBytes - bytes);
  }

  synchronized long bufferedBytes() {
    return bufferedBytes;
  }
}
