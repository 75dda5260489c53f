package io.factoryfl.participant.data;

import java.util.Objects;

/**
 * The site's data cannot serve a task. It carries two messages: {@link #getMessage()} is the full
 * detail for plant IT (the file, line, local column and value), which stays in the site's own log;
 * {@link #publicMessage()} names only what the coordinator already knows (the dataset name and the
 * job's spec fields by position) and is the only part that may leave the site.
 *
 * <p>It extends {@link IllegalArgumentException} because bad data is bad input to the encoder.
 */
public final class SiteDataException extends IllegalArgumentException {
  /** Whether the data is absent or present but unfit for the job. */
  public enum Kind {
    /** Not in the catalogue, unreadable, or without the split the task needs. */
    UNAVAILABLE,
    /** Readable, but it does not fit the job's columns, values or labels. */
    INVALID
  }

  private final Kind kind;
  private final String publicMessage;

  public SiteDataException(Kind kind, String publicMessage, String localDetail) {
    this(kind, publicMessage, localDetail, null);
  }

  public SiteDataException(Kind kind, String publicMessage, String localDetail, Throwable cause) {
    super(localDetail, cause);
    this.kind = Objects.requireNonNull(kind, "kind must not be null");
    this.publicMessage = Objects.requireNonNull(publicMessage, "publicMessage must not be null");
  }

  public Kind kind() {
    return kind;
  }

  /** What may be told to the coordinator: no path, no local column name, no value, no row. */
  public String publicMessage() {
    return publicMessage;
  }
}
