package io.factoryfl.core.security;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a certificate holder may do in the federation. The role is carried in the
 * certificate subject's OU attribute under its {@linkplain #wireName() wire name}, and is
 * chosen by the CA operator, never by the holder.
 */
public enum Role {
  /** A site that trains on its local data. */
  PARTICIPANT,
  /** An ML engineer who submits and manages jobs. */
  ADMIN,
  /** Someone who reads and verifies the audit log. */
  AUDITOR,
  /** The coordinator server itself. */
  COORDINATOR;

  /** The lower-case name used in certificates, files and on the command line. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a {@linkplain #wireName() wire name}, ignoring case and surrounding white space.
   *
   * @throws IllegalArgumentException naming the value and the allowed roles when it is not one
   */
  public static Role parse(String value) {
    if (value != null) {
      String wanted = value.strip();
      for (Role role : values()) {
        if (role.wireName().equalsIgnoreCase(wanted)) {
          return role;
        }
      }
    }
    throw new IllegalArgumentException(
        "unknown role '" + value + "'; expected one of " + allowed());
  }

  /** The wire names of all roles, comma separated, for messages. */
  static String allowed() {
    return Arrays.stream(values()).map(Role::wireName).collect(Collectors.joining(", "));
  }
}
