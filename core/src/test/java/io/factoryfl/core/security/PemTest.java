package io.factoryfl.core.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {

  private static final CertificateAuthority CA = TestCa.create("pem-test");
  private static final IssuedIdentity SITE =
      CA.issue("site-1", Role.PARTICIPANT, Duration.ofDays(1), List.of());

  @TempDir Path dir;

  @Test
  void certificateChain_roundTripsInOrder() throws IOException {
    Path file = dir.resolve("chain.pem");
    Pem.writeCertificates(file, List.of(SITE.certificate(), CA.certificate()));

    assertEquals(List.of(SITE.certificate(), CA.certificate()), Pem.readCertificates(file));
    assertTrue(Files.readString(file).startsWith("-----BEGIN CERTIFICATE-----"));
  }

  @Test
  void privateKey_roundTripsAsPkcs8() throws IOException {
    Path file = dir.resolve("key.pem");
    Pem.writePrivateKey(file, SITE.privateKey());

    PrivateKey read = Pem.readPrivateKey(file);
    assertArrayEquals(SITE.privateKey().getEncoded(), read.getEncoded());
    assertTrue(Files.readString(file).startsWith("-----BEGIN PRIVATE KEY-----"));
  }

  @Test
  void privateKeyFile_isReadableByOwnerOnly() throws IOException {
    Path file = dir.resolve("key.pem");
    Pem.writePrivateKey(file, SITE.privateKey());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void privateKeyFile_replacingAWorldReadableFileLeavesItOwnerOnly() throws IOException {
    Path file = dir.resolve("key.pem");
    Files.writeString(file, "old");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
    Pem.writePrivateKey(file, SITE.privateKey());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void readCertificate_namesMissingFile() {
    Path file = dir.resolve("nope.pem");
    IOException e = assertThrows(IOException.class, () -> Pem.readCertificate(file));
    assertEquals(file + " does not exist; expected PEM certificates (-----BEGIN CERTIFICATE-----)",
        e.getMessage());
  }

  @Test
  void readCertificate_namesGarbledFile() throws IOException {
    Path file = dir.resolve("garbled.pem");
    Files.writeString(file, "-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n"
        + "-----END CERTIFICATE-----\n");
    IOException e = assertThrows(IOException.class, () -> Pem.readCertificate(file));
    assertTrue(e.getMessage().startsWith(file + " is not readable as PEM certificates"),
        e.getMessage());
  }

  @Test
  void readCertificate_namesFileWithoutPem() throws IOException {
    Path file = dir.resolve("empty.pem");
    Files.writeString(file, "hello\n");
    IOException e = assertThrows(IOException.class, () -> Pem.readCertificate(file));
    assertEquals(file + " holds no PEM certificates (-----BEGIN CERTIFICATE-----)",
        e.getMessage());
  }

  @Test
  void readPrivateKey_namesFileHoldingACertificate() throws IOException {
    Path file = dir.resolve("cert.pem");
    Pem.writeCertificate(file, SITE.certificate());
    IOException e = assertThrows(IOException.class, () -> Pem.readPrivateKey(file));
    assertTrue(e.getMessage().startsWith(file + " holds a X509CertificateHolder where an"
        + " unencrypted PEM private key"), e.getMessage());
  }

  @Test
  void readCertificates_rejectsKeyInCertificateFile() throws IOException {
    Path file = dir.resolve("key.pem");
    Pem.writePrivateKey(file, SITE.privateKey());
    IOException e = assertThrows(IOException.class, () -> Pem.readCertificates(file));
    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
  }

  @Test
  void issuedIdentity_writesCertificateKeyAndCa() throws IOException {
    SITE.writeTo(dir, "site-1");
    X509Certificate cert = Pem.readCertificate(dir.resolve("site-1.pem"));
    assertEquals(SITE.certificate(), cert);
    assertEquals(CA.certificate(), Pem.readCertificate(dir.resolve("ca.pem")));
    assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(dir.resolve("site-1-key.pem"))));
    assertTrue(!SITE.toString().contains("key="), SITE.toString());
  }
}
