package io.factoryfl.core.secagg;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Long-term Ed25519 identity keys for test participants, made once per id and JVM. */
final class Identities {
  private static final Map<String, KeyPair> KEYS = new ConcurrentHashMap<>();

  private Identities() {}

  static KeyPair of(String id) {
    return KEYS.computeIfAbsent(id, ignored -> {
      try {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  static PublicKey publicKey(String id) {
    return of(id).getPublic();
  }
}
