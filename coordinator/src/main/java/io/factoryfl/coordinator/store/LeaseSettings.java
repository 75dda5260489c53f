package io.factoryfl.coordinator.store;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link CoordinatorLease} is held: by whom (shown to the other coordinator and in fencing
 * messages), how long a renewal lasts ({@code ttl}), how often the holder renews it and how often
 * a standby looks whether it expired. A standby takes over at most {@code ttl + pollEvery} after
 * the holder's last renewal.
 *
 * @param holder a name unique to this coordinator process, e.g. {@code host:pid}
 */
public record LeaseSettings(String holder, Duration ttl, Duration renewEvery, Duration pollEvery) {
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(10);
  public static final Duration DEFAULT_RENEW_EVERY = Duration.ofSeconds(2);
  public static final Duration DEFAULT_POLL_EVERY = Duration.ofSeconds(1);

  public LeaseSettings {
    Objects.requireNonNull(holder, "holder");
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(renewEvery, "renewEvery");
    Objects.requireNonNull(pollEvery, "pollEvery");
    if (holder.isBlank() || holder.length() > 200) {
      throw new IllegalArgumentException("the lease holder name must be 1 to 200 characters, was '" + holder + "'");
    }
    if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("the lease ttl must be at least 1 s, was " + ttl.toMillis() + " ms");
    }
    if (renewEvery.compareTo(Duration.ofMillis(100)) < 0 || renewEvery.multipliedBy(2).compareTo(ttl) > 0) {
      throw new IllegalArgumentException("the lease must be renewed at least twice per ttl (" + ttl.toMillis()
          + " ms) and at most every 100 ms; renewEvery was " + renewEvery.toMillis() + " ms");
    }
    if (pollEvery.compareTo(Duration.ofMillis(50)) < 0 || pollEvery.compareTo(ttl) > 0) {
      throw new IllegalArgumentException("a standby must poll the lease every 50 ms to ttl (" + ttl.toMillis()
          + " ms); pollEvery was " + pollEvery.toMillis() + " ms");
    }
  }

  /** The defaults (ttl 10 s, renewal every 2 s, standby poll every 1 s) for {@code holder}. */
  public static LeaseSettings defaults(String holder) {
    return new LeaseSettings(holder, DEFAULT_TTL, DEFAULT_RENEW_EVERY, DEFAULT_POLL_EVERY);
  }

  /** {@code host:pid} of this process: unique among the coordinators of one database. */
  public static String processHolder() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "unknown-host";
    }
    return host + ":" + ManagementFactory.getRuntimeMXBean().getPid();
  }
}
