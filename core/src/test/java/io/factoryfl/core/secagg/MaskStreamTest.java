package io.factoryfl.core.secagg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class MaskStreamTest {

  @Test
  void apply_addsTheAesCtrKeystreamAsLittleEndianWords_acrossChunkBoundaries() throws Exception {
    byte[] key = new byte[32];
    for (int i = 0; i < 32; i++) {
      key[i] = (byte) (i * 7 + 1);
    }
    int words = 3 * MaskStream.CHUNK_BYTES / 4 + 5;
    Cipher reference = Cipher.getInstance("AES/CTR/NoPadding");
    reference.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
    ByteBuffer keystream = ByteBuffer.wrap(reference.doFinal(new byte[words * 4])).order(ByteOrder.LITTLE_ENDIAN);
    int[] accumulator = new int[words];
    for (int i = 0; i < words; i++) {
      accumulator[i] = i;
    }
    new MaskStream().apply(key, accumulator, false);
    for (int i = 0; i < words; i++) {
      assertEquals(i + keystream.getInt(4 * i), accumulator[i], "word " + i);
    }
  }

  @Test
  void apply_subtractUndoesAdd() {
    byte[] key = new byte[32];
    key[0] = 9;
    int[] accumulator = new int[100_001];
    MaskStream stream = new MaskStream();
    stream.apply(key, accumulator, false);
    stream.apply(key, accumulator, true);
    assertArrayEquals(new int[100_001], accumulator);
  }
}
