package io.factoryfl.coordinator.store;

import java.util.Objects;

/**
 * A stored model version whose files do not match its hash.
 *
 * @param hash the model hash (the file name)
 * @param file the damaged or missing file, relative to the data directory, e.g. {@code
 *     models/<hash>.params}
 * @param problem what is wrong, e.g. "its content hashes to 9f2c..."
 */
public record CorruptModel(String hash, String file, String problem) {

  public CorruptModel {
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(problem, "problem");
  }

  /** One sentence for the coordinator log and for the caller's status. */
  public String description() {
    return "model " + hash + " is corrupt on the coordinator: " + file + " " + problem
        + "; it is not served";
  }

  /** What the coordinator operator can do about it. */
  public String remedy() {
    return "restore " + file + " and its sibling .params/.json file from a backup, or run the"
        + " job that produced the model again (committing the same model rewrites both files);"
        + " to drop the model instead, delete models/" + hash + ".params and models/" + hash
        + ".json";
  }
}
