package io.factoryfl.core.secagg;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The coordinator's dropout recovery: expands every mask that does not cancel in the sum - each
 * survivor's self mask and each pairwise mask between a survivor and a neighbour that dropped after
 * sharing keys - and removes it. Work items are spread over worker threads, each with its own
 * partial vector, HKDF and AES instances; the partials are added at the end, which is exact because
 * addition modulo 2^32 is associative and commutative. Partials hold only masks, never an update;
 * they are zeroed after use, as are the reconstructed secrets.
 */
final class MaskRemoval {
  /** One mask to remove from the sum. */
  private interface Item {
    void apply(Hkdf hkdf, MaskStream stream, int[] partial);
  }

  private final Cohort cohort;
  private final byte[] sessionId;
  private final int dimension;
  private final List<Item> items = new ArrayList<>();
  /** Reconstructed seeds and keys, zeroed by {@link #wipe}. */
  private final List<byte[]> secrets = new ArrayList<>();

  MaskRemoval(Cohort cohort, byte[] sessionId, int dimension) {
    this.cohort = cohort;
    this.sessionId = sessionId;
    this.dimension = dimension;
  }

  /** Survivor u added its self mask; take it off. Takes ownership of {@code seed}. */
  void selfMask(int survivor, byte[] seed) {
    String owner = cohort.id(survivor);
    secrets.add(seed);
    items.add((hkdf, stream, partial) -> {
      byte[] key = MaskKeys.self(hkdf, seed, sessionId, owner);
      stream.apply(key, partial, true);
      Arrays.fill(key, (byte) 0);
    });
  }

  /**
   * Every survivor neighbour v of dropped w masked its input with w, which never sent the opposite
   * mask; take those masks off with w's reconstructed masking key. Takes ownership of {@code
   * droppedKey}.
   */
  void pairwiseMasks(int dropped, byte[] droppedKey, BitSet survivors, SignedKeys[] keys) {
    secrets.add(droppedKey);
    for (int v : cohort.neighbours(dropped)) {
      if (survivors.get(v)) {
        pairwiseMask(dropped, droppedKey, v, keys[v].maskingKeyView());
      }
    }
  }

  private void pairwiseMask(int dropped, byte[] droppedKey, int survivor, byte[] survivorPublicKey) {
    String[] pair = cohort.orderedPair(dropped, survivor);
    String survivorId = cohort.id(survivor);
    // The lower index added the mask, the higher subtracted it: undo what the survivor did.
    boolean survivorAdded = survivor < dropped;
    items.add((hkdf, stream, partial) -> {
      byte[] shared = Curve25519.agree(droppedKey, survivorPublicKey, survivorId);
      byte[] key = MaskKeys.pairwise(hkdf, shared, sessionId, pair[0], pair[1]);
      stream.apply(key, partial, survivorAdded);
      Arrays.fill(shared, (byte) 0);
      Arrays.fill(key, (byte) 0);
    });
  }

  int size() {
    return items.size();
  }

  /** Adds the negation of every registered mask into {@code sum}, on up to {@code parallelism} threads. */
  void run(int[] sum, int parallelism) {
    int workers = Math.max(1, Math.min(parallelism, items.size()));
    AtomicInteger next = new AtomicInteger();
    Callable<int[]> worker = () -> {
      Hkdf hkdf = new Hkdf();
      MaskStream stream = new MaskStream();
      int[] partial = new int[dimension];
      for (int i = next.getAndIncrement(); i < items.size(); i = next.getAndIncrement()) {
        items.get(i).apply(hkdf, stream, partial);
      }
      stream.wipe();
      return partial;
    };
    if (workers == 1) {
      addInto(sum, call(worker));
      return;
    }
    ForkJoinPool pool = new ForkJoinPool(workers);
    try {
      List<Future<int[]>> futures = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        futures.add(pool.submit(worker));
      }
      for (Future<int[]> future : futures) {
        addInto(sum, future.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SecAggException("interrupted while removing masks", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException("mask removal failed", e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /** Zeroes the reconstructed seeds and keys. */
  void wipe() {
    for (byte[] secret : secrets) {
      Arrays.fill(secret, (byte) 0);
    }
    secrets.clear();
    items.clear();
  }

  private static int[] call(Callable<int[]> worker) {
    try {
      return worker.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void addInto(int[] sum, int[] partial) {
    for (int i = 0; i < sum.length; i++) {
      sum[i] += partial[i];
    }
    Arrays.fill(partial, 0);
  }
}
