package io.factoryfl.core.job;

/**
 * A job spec that cannot run. The message names the field (as a JSON path), the value that was
 * given and what is allowed, so the ML engineer can fix the file without reading code.
 */
public final class InvalidJobSpecException extends IllegalArgumentException {
  private final String field;

  public InvalidJobSpecException(String field, String problem) {
    super(field + ": " + problem);
    this.field = field;
  }

  /** The JSON path of the offending field, for example {@code training.batch_size}. */
  public String field() {
    return field;
  }
}
