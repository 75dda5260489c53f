package io.factoryfl.participant.train;

import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Reads the next minibatch on a second thread while the current one trains: decoding images and
 * fitting the network then overlap. One read is in flight at a time and reads happen in order, so
 * the batches (and the draws of a seeded, augmenting iterator) are exactly those of reading them
 * in turn. A failure of a read (a {@code SiteDataException} for a corrupt image) is rethrown as it
 * was, on the caller's thread, when its batch is asked for.
 *
 * <p>DL4J's own {@code AsyncDataSetIterator} wraps such a failure in a plain RuntimeException and
 * keeps a queue of several batches; this keeps the site's error as it is and holds one batch ahead.
 */
final class BatchPrefetcher implements AutoCloseable {
  private final DataSetIterator batches;
  private final ExecutorService reader;
  private Future<DataSet> next;

  BatchPrefetcher(DataSetIterator batches) {
    this.batches = batches;
    this.reader = Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "batch-prefetch");
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Starts a pass: resets the iterator unless this is the first pass, and reads its first batch. */
  void startPass(boolean reset) {
    if (reset) {
      batches.reset();
    }
    next = batches.hasNext() ? reader.submit(() -> batches.next()) : null;
  }

  boolean hasNext() {
    return next != null;
  }

  /** The next batch; starts reading the one after it. */
  DataSet next() {
    if (next == null) {
      throw new NoSuchElementException("the pass is done");
    }
    DataSet batch;
    try {
      batch = next.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the next training batch", e);
    } catch (ExecutionException e) {
      next = null;
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw new IllegalStateException("reading the next training batch failed: " + e.getCause(), e.getCause());
    }
    next = batches.hasNext() ? reader.submit(() -> batches.next()) : null;
    return batch;
  }

  @Override
  public void close() {
    reader.shutdownNow();
  }
}
