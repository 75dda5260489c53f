package io.factoryfl.core.params;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ParameterCodecTest {
  private static final int FLOATS_PER_CHUNK = ParameterCodec.MAX_CHUNK_BYTES / Float.BYTES;

  @Test
  void encode_isLittleEndianFloat32() {
    byte[] bytes = ParameterCodec.encode(new float[] {1.0f, -2.0f});

    // 1.0f = 0x3F800000, -2.0f = 0xC0000000, least significant byte first
    assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0}, bytes);
  }

  @Test
  void encodeRange_encodesOnlyTheSlice() {
    float[] values = {1, 2, 3, 4, 5};

    assertArrayEquals(new float[] {2, 3, 4}, ParameterCodec.decode(ParameterCodec.encode(values, 1, 3)));
  }

  @Test
  void decode_roundTripsEveryBitPatternIncludingNaNPayloadsAndSignedZero() {
    float[] values = {0f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN,
        Float.intBitsToFloat(0x7fc00123), Float.NEGATIVE_INFINITY, 3.14159f};

    float[] decoded = ParameterCodec.decode(ParameterCodec.encode(values));

    for (int i = 0; i < values.length; i++) {
      assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(decoded[i]), "index " + i);
    }
  }

  @Test
  void decode_refusesLengthThatIsNotWholeFloatsNamingTheLength() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ParameterCodec.decode(new byte[7]));

    assertEquals("parameter bytes must be a multiple of 4 (float32), got 7 bytes", e.getMessage());
  }

  @Test
  void chunks_splitIntoPiecesOfAtMostOneMiBThatConcatenateToTheEncoding() {
    float[] values = random(2 * FLOATS_PER_CHUNK + 3, 1);

    List<byte[]> chunks = ParameterCodec.chunks(values);

    assertEquals(3, chunks.size());
    assertEquals(ParameterCodec.MAX_CHUNK_BYTES, chunks.get(0).length);
    assertEquals(ParameterCodec.MAX_CHUNK_BYTES, chunks.get(1).length);
    assertEquals(12, chunks.get(2).length);
    assertArrayEquals(ParameterCodec.encode(values), concat(chunks));
  }

  @Test
  void chunks_ofAnExactMultipleOfTheChunkSize_hasNoEmptyTail() {
    List<byte[]> chunks = ParameterCodec.chunks(new float[FLOATS_PER_CHUNK]);

    assertEquals(1, chunks.size());
    assertEquals(ParameterCodec.MAX_CHUNK_BYTES, chunks.get(0).length);
    assertTrue(ParameterCodec.chunks(new float[0]).isEmpty());
  }

  @Test
  void hash_equalsTheHashOfTheConcatenatedChunks() {
    float[] values = random(FLOATS_PER_CHUNK + 17, 2);

    String hash = ParameterCodec.hash(values);

    assertEquals(ContentHash.of(concat(ParameterCodec.chunks(values))), hash);
    assertEquals(ContentHash.of(ParameterCodec.encode(values)), hash);
    assertTrue(hash.matches("[0-9a-f]{64}"), hash);
  }

  @Test
  void hash_ofNoParameters_isTheSha256OfNothing() {
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ParameterCodec.hash(new float[0]));
  }

  @Test
  void hash_changesWithASingleBitAndWithOrder() {
    float[] values = {1, 2, 3};
    float[] flipped = {1, 2, Math.nextUp(3f)};
    float[] swapped = {2, 1, 3};

    assertNotEquals(ParameterCodec.hash(values), ParameterCodec.hash(flipped));
    assertNotEquals(ParameterCodec.hash(values), ParameterCodec.hash(swapped));
    assertNotEquals(ParameterCodec.hash(new float[] {0f}), ParameterCodec.hash(new float[] {-0f}));
  }

  @Test
  void contentHash_matchesComparesWholeHashes() {
    String hash = ParameterCodec.hash(new float[] {1});

    assertTrue(ContentHash.matches(hash, ParameterCodec.hash(new float[] {1})));
    assertFalse(ContentHash.matches(hash, ParameterCodec.hash(new float[] {2})));
    assertFalse(ContentHash.matches(hash, hash.substring(0, 63)));
  }

  static float[] random(int length, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] values = new float[length];
    for (int i = 0; i < length; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }

  static byte[] concat(List<byte[]> chunks) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    chunks.forEach(out::writeBytes);
    return out.toByteArray();
  }
}
