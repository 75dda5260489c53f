package io.factoryfl.simulation.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
  @TempDir
  Path dir;

  private static final byte[] PIXELS = {0, 1, 2, 3, 4, 5, (byte) 255, 7, 8, 9, 10, 11};

  @Test
  void readImages_readsCountRowsColumnsAndUnsignedPixels() throws IOException {
    Path file = IdxFiles.write(dir.resolve("images"), IdxFiles.bytes(Idx.IMAGES_MAGIC, new int[] {2, 2, 3}, PIXELS),
        false);

    Idx.Images images = Idx.readImages(file);

    assertEquals(2, images.count());
    assertEquals(2, images.rows());
    assertEquals(3, images.columns());
    assertEquals(255, images.pixel(1, 0, 0));
    assertEquals(11, images.pixel(1, 1, 2));
    assertArrayEquals(PIXELS, images.pixels());
  }

  @Test
  void readImages_readsAGzippedFileAsThePlainOne() throws IOException {
    Path file = IdxFiles.write(dir.resolve("images.gz"),
        IdxFiles.bytes(Idx.IMAGES_MAGIC, new int[] {2, 2, 3}, PIXELS), true);

    assertArrayEquals(PIXELS, Idx.readImages(file).pixels());
  }

  @Test
  void readLabels_readsOneByteEach() throws IOException {
    Path file = IdxFiles.write(dir.resolve("labels"), IdxFiles.bytes(Idx.LABELS_MAGIC, new int[] {3},
        new byte[] {7, 0, 9}), false);

    assertArrayEquals(new byte[] {7, 0, 9}, Idx.readLabels(file));
  }

  @Test
  void labelsFileReadAsImages_isRefusedNamingBothMagics() throws IOException {
    Path file = IdxFiles.write(dir.resolve("labels"), IdxFiles.bytes(Idx.LABELS_MAGIC, new int[] {3},
        new byte[] {7, 0, 9}), false);

    IOException e = assertThrows(IOException.class, () -> Idx.readImages(file));

    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("has magic number 0x00000801, expected 0x00000803"), e.getMessage());
  }

  @Test
  void truncatedValues_areRefusedSayingHowManyArePromisedAndHeld() throws IOException {
    byte[] whole = IdxFiles.bytes(Idx.IMAGES_MAGIC, new int[] {2, 2, 3}, PIXELS);
    Path file = IdxFiles.write(dir.resolve("images"), Arrays.copyOf(whole, whole.length - 5), false);

    IOException e = assertThrows(IOException.class, () -> Idx.readImages(file));

    assertTrue(e.getMessage().contains(file + " is truncated: its header promises 12 values (sizes [2, 2, 3]),"
        + " the file holds 7"), e.getMessage());
  }

  @Test
  void truncatedGzippedValues_areRefusedToo() throws IOException {
    byte[] whole = IdxFiles.bytes(Idx.IMAGES_MAGIC, new int[] {2, 2, 3}, PIXELS);
    Path file = IdxFiles.write(dir.resolve("images.gz"), Arrays.copyOf(whole, whole.length - 1), true);

    IOException e = assertThrows(IOException.class, () -> Idx.readImages(file));

    assertTrue(e.getMessage().contains("is truncated"), e.getMessage());
  }

  @Test
  void truncatedHeader_isRefusedNamingTheDimension() throws IOException {
    byte[] whole = IdxFiles.bytes(Idx.IMAGES_MAGIC, new int[] {2, 2, 3}, PIXELS);
    Path file = IdxFiles.write(dir.resolve("images"), Arrays.copyOf(whole, 10), false);

    IOException e = assertThrows(IOException.class, () -> Idx.readImages(file));

    assertTrue(e.getMessage().contains("its header ends before the size of dimension 2 of 3"), e.getMessage());
  }

  @Test
  void trailingBytes_areRefused() throws IOException {
    byte[] whole = IdxFiles.bytes(Idx.LABELS_MAGIC, new int[] {2}, new byte[] {1, 2, 3});
    Path file = IdxFiles.write(dir.resolve("labels"), whole, false);

    IOException e = assertThrows(IOException.class, () -> Idx.readLabels(file));

    assertTrue(e.getMessage().contains("holds more than the 2 values its header promises"), e.getMessage());
  }

  @Test
  void hugeDeclaredSizes_areRefusedBeforeAnyBufferIsMade() throws IOException {
    Path file = IdxFiles.write(dir.resolve("images"),
        IdxFiles.bytes(Idx.IMAGES_MAGIC, new int[] {60_000, 4096, 4096}, new byte[0]), false);

    IOException e = assertThrows(IOException.class, () -> Idx.readImages(file));

    assertTrue(e.getMessage().contains("declares more than " + Idx.MAX_VALUES + " values"), e.getMessage());
  }

  @Test
  void negativeSize_isRefusedAsUnsigned() throws IOException {
    Path file = IdxFiles.write(dir.resolve("images"), IdxFiles.bytes(Idx.IMAGES_MAGIC, new int[] {-1, 2, 3},
        PIXELS), false);

    IOException e = assertThrows(IOException.class, () -> Idx.readImages(file));

    assertTrue(e.getMessage().contains("gives dimension 1 the size 4294967295; sizes must be at least 1"),
        e.getMessage());
  }

  @Test
  void mnistFolder_labelCountDifferentFromImageCount_isRefusedNamingBothFiles() throws IOException {
    IdxFiles.writeMnist(dir, Mnist.TRAIN_IMAGES, Mnist.TRAIN_LABELS, new byte[] {1, 2, 3}, 2, false);
    IdxFiles.writeMnist(dir, Mnist.TEST_IMAGES, Mnist.TEST_LABELS, new byte[] {4, 5}, 2, false);
    IdxFiles.write(dir.resolve(Mnist.TEST_LABELS), IdxFiles.bytes(Idx.LABELS_MAGIC, new int[] {3},
        new byte[] {4, 5, 6}), false);

    IOException e = assertThrows(IOException.class, () -> Mnist.load(dir));

    assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte holds 3 labels but t10k-images-idx3-ubyte holds 2"
        + " images"), e.getMessage());
  }

  @Test
  void mnistFolder_labelThatIsNoDigit_isRefused() throws IOException {
    IdxFiles.writeMnist(dir, Mnist.TRAIN_IMAGES, Mnist.TRAIN_LABELS, new byte[] {1, 12}, 2, true);
    IdxFiles.writeMnist(dir, Mnist.TEST_IMAGES, Mnist.TEST_LABELS, new byte[] {4, 5}, 2, true);

    IOException e = assertThrows(IOException.class, () -> Mnist.load(dir));

    assertTrue(e.getMessage().contains("gives image 1 the label 12; labels are digits 0 to 9"), e.getMessage());
  }

  @Test
  void mnistFolder_missingFile_saysHowToFetchIt() {
    IOException e = assertThrows(IOException.class, () -> Mnist.load(dir));

    assertTrue(e.getMessage().contains("has no train-images-idx3-ubyte (nor train-images-idx3-ubyte.gz)"),
        e.getMessage());
    assertTrue(e.getMessage().contains("scripts/fetch-mnist.sh"), e.getMessage());
  }
}
