package io.factoryfl.participant.config;

/** A participant config that cannot be used; the message names the file, field and value. */
public final class InvalidConfigException extends IllegalArgumentException {
  public InvalidConfigException(String message) {
    super(message);
  }
}
