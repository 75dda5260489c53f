package io.factoryfl.participant.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.data.ImageSpec;
import io.factoryfl.participant.config.DatasetEntry;
import io.factoryfl.participant.config.InvalidConfigException;
import io.factoryfl.participant.config.ParticipantConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image dataset at the site (docs/images.md): class folders or a listing CSV, and the errors of
 * each, whose detail stays at the site.
 */
class ImageCatalogueTest {
  private static final List<String> CLASSES = List.of("crazing", "inclusion", "scratches");
  private static final ImageSpec SPEC_8 = new ImageSpec(8, 8, 1, ImageSpec.PixelNormalization.SCALE, false,
      ImageSpec.Augmentation.NONE);

  @TempDir Path dir;
  private Path images;

  @BeforeEach
  void classFolders() throws Exception {
    images = dir.resolve("plant-images");
    TestImages.grey(images.resolve("crazing/c1.png"), 8, 8, (x, y) -> 10);
    TestImages.grey(images.resolve("crazing/c2.png"), 8, 8, (x, y) -> 20);
    TestImages.grey(images.resolve("scratches/s1.bmp"), 8, 8, (x, y) -> 30);
    Files.writeString(images.resolve("scratches/.DS_Store"), "finder");
    Files.writeString(images.resolve("README.txt"), "not a class");
  }

  private static DatasetCatalogue catalogue(DatasetEntry entry) {
    return new DatasetCatalogue(Map.of(entry.name(), entry));
  }

  private static DatasetEntry folder(Path folder) {
    return DatasetEntry.images("neu", folder, null, null, null, Map.of());
  }

  /** Refused with a message that names the problem locally and nothing local publicly. */
  private static SiteDataException refused(Executable action, String publicWords, String... localWords) {
    SiteDataException e = assertThrows(SiteDataException.class, action);
    assertTrue(e.publicMessage().contains(publicWords), e.publicMessage());
    for (String word : localWords) {
      assertTrue(e.getMessage().contains(word), e.getMessage());
      assertFalse(e.publicMessage().contains(word), "the coordinator must not see '" + word + "': "
          + e.publicMessage());
    }
    return e;
  }

  @Test
  void classFolders_listEveryImageWithItsClass_skippingOtherFiles() {
    ImageListing listing = catalogue(folder(images)).images("neu", DatasetCatalogue.Split.TRAIN, "class", CLASSES);
    assertEquals(3, listing.size());
    assertArrayEquals(new long[] {2, 0, 1}, listing.classCounts());
    assertEquals("crazing/c1.png", listing.relativePath(0));
    assertEquals(2, listing.label(2));
  }

  @Test
  void aMissingFolder_isRefused() {
    refused(() -> catalogue(folder(dir.resolve("gone"))).images("neu", DatasetCatalogue.Split.TRAIN, "class",
        CLASSES), "image folder cannot be read", "gone");
  }

  @Test
  void anEmptyClassFolder_isRefused() throws Exception {
    Files.createDirectories(images.resolve("inclusion"));
    refused(() -> catalogue(folder(images)).images("neu", DatasetCatalogue.Split.TRAIN, "class", CLASSES),
        "empty class folder", "inclusion");
  }

  @Test
  void aClassFolderNotInTheJob_isRefused() throws Exception {
    TestImages.grey(images.resolve("rolled-in_scale/r1.png"), 8, 8, (x, y) -> 0);
    refused(() -> catalogue(folder(images)).images("neu", DatasetCatalogue.Split.TRAIN, "class", CLASSES),
        "not one of the job's label classes", "rolled-in_scale");
  }

  @Test
  void aListing_labelsImagesByItsLabelColumn_mappedToTheSiteName() throws Exception {
    Path listing = Files.writeString(dir.resolve("train.csv"),
        "path,defect,plant\ncrazing/c2.png,crazing,p1\nscratches/s1.bmp,inclusion,p1\n");
    DatasetEntry entry = DatasetEntry.images("neu", images, listing, null, null, Map.of("class", "defect"));
    ImageListing images = catalogue(entry).images("neu", DatasetCatalogue.Split.TRAIN, "class", CLASSES);
    assertEquals(2, images.size());
    assertArrayEquals(new long[] {1, 1, 0}, images.classCounts());
  }

  @Test
  void aListedClassNotInTheJob_aMissingFileAndAPathOutsideTheFolder_areRefused() throws Exception {
    Files.writeString(dir.resolve("secret.png"), "outside");
    for (String[] row : new String[][] {
        {"crazing/c1.png,pitted_surface", "not one of the job's label classes", "pitted_surface"},
        {"crazing/c9.png,crazing", "does not exist", "c9.png"},
        {"../secret.png,crazing", "outside its folder", "secret.png"},
        {dir.resolve("secret.png") + ",crazing", "outside its folder", "secret.png"}}) {
      Path listing = Files.writeString(dir.resolve("listing.csv"), "path,label\n" + row[0] + "\n");
      DatasetEntry entry = DatasetEntry.images("neu", images, listing, null, null, Map.of());
      refused(() -> catalogue(entry).images("neu", DatasetCatalogue.Split.TRAIN, "label", CLASSES), row[1], row[2]);
    }
  }

  @Test
  void aListedLinkToAFileOutsideTheFolder_isRefused() throws Exception {
    Path outside = TestImages.grey(dir.resolve("elsewhere/secret.png"), 8, 8, (x, y) -> 0);
    Files.createSymbolicLink(images.resolve("crazing/link.png"), outside);
    Path listing = Files.writeString(dir.resolve("listing.csv"), "path,label\ncrazing/link.png,crazing\n");
    DatasetEntry entry = DatasetEntry.images("neu", images, listing, null, null, Map.of());
    refused(() -> catalogue(entry).images("neu", DatasetCatalogue.Split.TRAIN, "label", CLASSES),
        "outside its folder", "link.png", "a link to a file outside");
  }

  @Test
  void aListingWithoutTheLabelColumn_isRefused() throws Exception {
    Path listing = Files.writeString(dir.resolve("listing.csv"), "path,class\ncrazing/c1.png,crazing\n");
    DatasetEntry entry = DatasetEntry.images("neu", images, listing, null, null, Map.of());
    refused(() -> catalogue(entry).images("neu", DatasetCatalogue.Split.TRAIN, "label", CLASSES),
        "not well-formed", "no column 'label'");
  }

  @Test
  void aCorruptImage_isRefusedWhenItsBatchIsRead() throws Exception {
    Files.writeString(images.resolve("crazing/c3.png"), "this is not a PNG");
    ImageListing listing = catalogue(folder(images)).images("neu", DatasetCatalogue.Split.TRAIN, "class", CLASSES);
    ImageBatches batches = ImageBatches.inOrder(listing, SPEC_8, "neu", 16);
    refused(batches::next, "cannot be decoded", "c3.png");
  }

  @Test
  void anImageOfAnotherSize_isRefused_unlessTheJobResizes() throws Exception {
    TestImages.grey(images.resolve("scratches/s2.png"), 10, 8, (x, y) -> 200);
    ImageListing listing = catalogue(folder(images)).images("neu", DatasetCatalogue.Split.TRAIN, "class", CLASSES);
    refused(() -> ImageBatches.inOrder(listing, SPEC_8, "neu", 16).next(), "another size than the job's 8 x 8",
        "s2.png", "10 x 8");

    ImageSpec resizing = new ImageSpec(8, 8, 1, ImageSpec.PixelNormalization.SCALE, true, ImageSpec.Augmentation.NONE);
    org.nd4j.linalg.dataset.DataSet batch = ImageBatches.inOrder(listing, resizing, "neu", 16).next();
    assertEquals(4, batch.numExamples());
    assertEquals(200 / 255.0, batch.getFeatures().getDouble(3, 0), 1e-6);
  }

  @Test
  void theEvaluationSplit_isItsFolderOrAListingOverTheTrainingFolder() throws Exception {
    Path eval = dir.resolve("eval");
    TestImages.grey(eval.resolve("inclusion/i1.png"), 8, 8, (x, y) -> 0);
    DatasetEntry separate = DatasetEntry.images("neu", images, null, eval, null, Map.of());
    assertArrayEquals(new long[] {0, 1, 0},
        catalogue(separate).images("neu", DatasetCatalogue.Split.EVAL, "class", CLASSES).classCounts());

    Path listing = Files.writeString(dir.resolve("eval.csv"), "path,label\nscratches/s1.bmp,scratches\n");
    DatasetEntry listed = DatasetEntry.images("neu", images, null, null, listing, Map.of());
    assertArrayEquals(new long[] {0, 0, 1},
        catalogue(listed).images("neu", DatasetCatalogue.Split.EVAL, "label", CLASSES).classCounts());

    refused(() -> catalogue(folder(images)).images("neu", DatasetCatalogue.Split.EVAL, "class", CLASSES),
        "no evaluation split");
  }

  @Test
  void aTableAndAFolder_areNotMistakenForEachOther() throws Exception {
    Path csv = Files.writeString(dir.resolve("rows.csv"), "x,y\n1,0\n");
    refused(() -> catalogue(new DatasetEntry("neu", csv, null, Map.of())).images("neu",
        DatasetCatalogue.Split.TRAIN, "class", CLASSES), "is a table at this site, but the job reads images");
    refused(() -> catalogue(folder(images)).table("neu", DatasetCatalogue.Split.TRAIN),
        "is a folder of images at this site");
  }

  @Test
  void theSiteConfig_readsAnImageEntry_andRefusesAnUnknownKind() throws Exception {
    for (String file : new String[] {"site.pem", "site-key.pem", "ca.pem"}) {
      Files.writeString(dir.resolve(file), "placeholder");
    }
    Files.writeString(dir.resolve("eval.csv"), "path,label\n");
    ParticipantConfig config = ParticipantConfig.load(config("""
        {"kind": "images", "path": "plant-images", "eval_listing": "eval.csv"}"""));
    DatasetEntry entry = config.datasets().get("neu");
    assertEquals(DatasetEntry.Kind.IMAGES, entry.kind());
    assertEquals(images, entry.path());
    assertEquals(dir.resolve("eval.csv"), entry.evalListing());

    InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ParticipantConfig.load(config("""
        {"kind": "video", "path": "plant-images"}""")));
    assertTrue(e.getMessage().contains("datasets.neu.kind was 'video'; must be \"csv\" (the default) or \"images\""),
        e.getMessage());
  }

  private Path config(String entry) throws Exception {
    return Files.writeString(dir.resolve("participant.json"), """
        {"coordinator": "localhost:7443",
         "tls": {"certificate": "site.pem", "private_key": "site-key.pem", "ca": "ca.pem"},
         "datasets": {"neu": %s}}""".formatted(entry));
  }
}
