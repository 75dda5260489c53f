package io.factoryfl.core.security;

import io.factoryfl.core.io.AtomicFiles;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * Reads and writes X.509 certificates and private keys as PEM files.
 *
 * <p>Certificates are written as one or more {@code CERTIFICATE} blocks (leaf first for a
 * chain). Private keys are written unencrypted as PKCS#8 {@code PRIVATE KEY} blocks in a file
 * that is <em>created</em> with POSIX permissions {@code 0600}, so there is no moment at which
 * another user could open it; files are written to a temporary sibling and moved into place,
 * so a reader never sees half a file. Reading also accepts the traditional OpenSSL
 * {@code EC PRIVATE KEY} / {@code RSA PRIVATE KEY} form.
 *
 * <p>Every read failure is an {@link IOException} whose message names the file and what was
 * expected in it.
 */
public final class Pem {

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> WORLD_READABLE =
      PosixFilePermissions.fromString("rw-r--r--");

  private Pem() {}

  /** Writes one certificate. Replaces the file if it exists. */
  public static void writeCertificate(Path file, X509Certificate certificate) throws IOException {
    writeCertificates(file, List.of(certificate));
  }

  /** Writes certificates in the given order (leaf first for a chain). Replaces the file. */
  public static void writeCertificates(Path file, List<X509Certificate> certificates)
      throws IOException {
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException("no certificates to write to " + file);
    }
    writeAtomically(file, encode(certificates.toArray()), false);
  }

  /**
   * Writes an unencrypted PKCS#8 private key to a file readable only by its owner (0600 on
   * file systems with POSIX permissions). Replaces the file if it exists.
   */
  public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
    byte[] pem = encode(new JcaPKCS8Generator(key, null));
    try {
      writeAtomically(file, pem, true);
    } finally {
      Arrays.fill(pem, (byte) 0);
    }
  }

  /**
   * Reads all certificates from a PEM file, in file order.
   *
   * @throws IOException naming the file if it is missing, unreadable, holds something other
   *     than certificates, or holds none
   */
  public static List<X509Certificate> readCertificates(Path file) throws IOException {
    String expected = "PEM certificates (-----BEGIN CERTIFICATE-----)";
    List<Object> objects = readObjects(file, expected);
    if (objects.isEmpty()) {
      throw new IOException(file + " holds no " + expected);
    }
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    List<X509Certificate> certificates = new ArrayList<>();
    for (Object o : objects) {
      if (!(o instanceof X509CertificateHolder holder)) {
        throw new IOException(
            file + " holds a " + describe(o) + " where " + expected + " were expected");
      }
      try {
        certificates.add(converter.getCertificate(holder));
      } catch (CertificateException e) {
        throw new IOException(file + " holds a damaged certificate: " + e.getMessage(), e);
      }
    }
    return List.copyOf(certificates);
  }

  /** Reads the first certificate of a PEM file; see {@link #readCertificates(Path)}. */
  public static X509Certificate readCertificate(Path file) throws IOException {
    return readCertificates(file).get(0);
  }

  /**
   * Reads an unencrypted private key (the first PEM object of the file).
   *
   * @throws IOException naming the file if it is missing, unreadable or holds no private key
   */
  public static PrivateKey readPrivateKey(Path file) throws IOException {
    String expected = "an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)";
    List<Object> objects = readObjects(file, expected);
    Object first = objects.isEmpty() ? null : objects.get(0);
    PrivateKeyInfo info = first instanceof PrivateKeyInfo k ? k
        : first instanceof PEMKeyPair pair ? pair.getPrivateKeyInfo()
        : null;
    if (info == null) {
      throw new IOException(file + " holds " + (first == null ? "no PEM object" : "a "
          + describe(first)) + " where " + expected + " was expected");
    }
    try {
      return new JcaPEMKeyConverter().getPrivateKey(info);
    } catch (IOException e) {
      throw new IOException(file + " holds a private key this JVM cannot load: "
          + e.getMessage(), e);
    }
  }

  private static List<Object> readObjects(Path file, String expected) throws IOException {
    Reader reader;
    try {
      reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new IOException(file + " does not exist; expected " + expected, e);
    } catch (IOException e) {
      throw new IOException("cannot open " + file + " (expected " + expected + "): " + e, e);
    }
    List<Object> objects = new ArrayList<>();
    try (PEMParser parser = new PEMParser(reader)) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        objects.add(o);
      }
    } catch (IOException | RuntimeException e) {
      // damaged base64 or DER surfaces as PEMException or as unchecked exceptions
      throw new IOException(file + " is not readable as " + expected + ": " + e.getMessage(), e);
    }
    return objects;
  }

  private static String describe(Object pemObject) {
    return pemObject.getClass().getSimpleName();
  }

  private static byte[] encode(Object... objects) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      for (Object o : objects) {
        writer.writeObject(o);
      }
    }
    return text.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static void writeAtomically(Path file, byte[] content, boolean secret)
      throws IOException {
    AtomicFiles.write(file, content, secret ? OWNER_ONLY : WORLD_READABLE);
  }

}
