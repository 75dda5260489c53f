package io.factoryfl.core.params;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParameterAssemblerTest {

  @Test
  void assemble_roundTripsAMultiChunkVectorAndItsHash() {
    float[] values = ParameterCodecTest.random(ParameterCodec.MAX_CHUNK_BYTES / Float.BYTES * 2 + 5, 3);
    ParameterAssembler assembler = new ParameterAssembler(values.length);

    for (byte[] chunk : ParameterCodec.chunks(values)) {
      assembler.append(chunk);
    }

    assertTrue(assembler.complete());
    assertEquals(values.length, assembler.received());
    assertArrayEquals(values, assembler.values());
    assertEquals(ParameterCodec.hash(values), assembler.finishHash());
    assertEquals(-1, assembler.firstNonFiniteIndex());
  }

  @ParameterizedTest(name = "pieces of {0} bytes")
  @ValueSource(ints = {1, 2, 3, 5, 6, 7, 13, 4097})
  void assemble_handlesChunkBoundariesThatSplitFloats(int pieceBytes) {
    float[] values = ParameterCodecTest.random(1001, pieceBytes);
    byte[] bytes = ParameterCodec.encode(values);
    ParameterAssembler assembler = new ParameterAssembler(values.length);

    for (int from = 0; from < bytes.length; from += pieceBytes) {
      assembler.append(Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + pieceBytes)));
    }

    assertTrue(assembler.complete());
    assertArrayEquals(values, assembler.values());
    assertEquals(ParameterCodec.hash(values), assembler.finishHash());
  }

  @Test
  void assemble_handlesIrregularPiecesAndEmptyChunks() {
    float[] values = ParameterCodecTest.random(50, 9);
    byte[] bytes = ParameterCodec.encode(values);
    int[] sizes = {3, 0, 1, 9, 2, 0, 6, 11, 4, 1, 7, 156};
    ParameterAssembler assembler = new ParameterAssembler(values.length);

    int from = 0;
    for (int size : sizes) {
      assembler.append(Arrays.copyOfRange(bytes, from, from + size));
      from += size;
    }

    assertEquals(bytes.length, from);
    assertTrue(assembler.complete());
    assertArrayEquals(values, assembler.values());
    assertEquals(ParameterCodec.hash(values), assembler.finishHash());
  }

  @Test
  void append_refusesMoreValuesThanAnnounced() {
    ParameterAssembler assembler = new ParameterAssembler(3);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> assembler.append(ParameterCodec.encode(new float[] {1, 2, 3, 4})));

    assertEquals("update carries more than the announced 3 parameters", e.getMessage());
  }

  @Test
  void append_refusesExtraValueArrivingInALaterChunk() {
    ParameterAssembler assembler = new ParameterAssembler(2);
    assembler.append(ParameterCodec.encode(new float[] {1, 2}));
    assertTrue(assembler.complete());

    assertThrows(IllegalArgumentException.class,
        () -> assembler.append(ParameterCodec.encode(new float[] {3})));
  }

  @Test
  void complete_isFalseWithAStrayPartialFloatAfterTheLastValue() {
    ParameterAssembler assembler = new ParameterAssembler(2);
    assembler.append(ParameterCodec.encode(new float[] {1, 2}));

    assembler.append(new byte[] {1, 2});

    assertFalse(assembler.complete(), "two trailing bytes must not pass as a complete update");
  }

  @Test
  void complete_isFalseWhenFewerValuesArrived() {
    ParameterAssembler assembler = new ParameterAssembler(4);
    assembler.append(ParameterCodec.encode(new float[] {1, 2, 3}));
    assembler.append(new byte[] {0, 0});

    assertFalse(assembler.complete());
    assertEquals(3, assembler.received());
  }

  @Test
  void firstNonFiniteIndex_reportsTheEarliestNaNOrInfinity() {
    float[] values = {0, 1, 2, Float.POSITIVE_INFINITY, 4, Float.NaN, 6};
    ParameterAssembler assembler = new ParameterAssembler(values.length);

    assembler.append(ParameterCodec.encode(values));

    assertEquals(3, assembler.firstNonFiniteIndex());
    assertTrue(assembler.complete());
  }

  @Test
  void firstNonFiniteIndex_findsANaNSplitAcrossChunks() {
    float[] values = {1, 2, Float.NaN, 4};
    byte[] bytes = ParameterCodec.encode(values);
    ParameterAssembler assembler = new ParameterAssembler(values.length);

    assembler.append(Arrays.copyOfRange(bytes, 0, 10));
    assertEquals(-1, assembler.firstNonFiniteIndex(), "NaN not complete yet");
    assembler.append(Arrays.copyOfRange(bytes, 10, 16));

    assertEquals(2, assembler.firstNonFiniteIndex());
  }

  @Test
  void append_refusesAChunkOverTheWireLimit() {
    ParameterAssembler assembler = new ParameterAssembler(ParameterCodec.MAX_CHUNK_BYTES);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> assembler.append(new byte[ParameterCodec.MAX_CHUNK_BYTES + 4]));

    assertEquals("chunk of 1048580 bytes exceeds the limit of 1048576", e.getMessage());
    assertEquals(0, assembler.received());
  }

  @Test
  void constructor_refusesNegativeLengthNamingIt() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new ParameterAssembler(-1));

    assertTrue(e.getMessage().startsWith("num_parameters must be between 0 and "), e.getMessage());
    assertTrue(e.getMessage().endsWith("got -1"), e.getMessage());
  }

  @Test
  void constructor_refusesLengthBeyondOneArrayWithoutAllocating() {
    assertThrows(IllegalArgumentException.class, () -> new ParameterAssembler(1L << 40));
  }

  @Test
  void emptyVector_isCompleteAtOnceWithTheHashOfNothing() {
    ParameterAssembler assembler = new ParameterAssembler(0);

    assertTrue(assembler.complete());
    assertEquals(ParameterCodec.hash(new float[0]), assembler.finishHash());
  }
}
