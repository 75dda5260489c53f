package io.factoryfl.core.security;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;

/** Shared fixtures: a CA valid around the real current time, so TLS checks accept it. */
final class TestCa {
  private TestCa() {}

  static CertificateAuthority create(String federation) {
    return CertificateAuthority.create(
        federation, Clock.systemUTC(), Duration.ofDays(30), new SecureRandom());
  }
}
