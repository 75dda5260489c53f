package io.factoryfl.participant.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.factoryfl.core.data.FeatureSchema;
import io.factoryfl.participant.config.DatasetEntry;
import io.factoryfl.participant.config.InvalidConfigException;
import io.factoryfl.participant.config.ParticipantConfig;
import io.factoryfl.proto.v1.CategoricalFeature;
import io.factoryfl.proto.v1.DatasetBinding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalogue rules of docs/data-format.md: column mapping, eval_path, re-reading. */
class DatasetCatalogueTest {
  private static final DatasetBinding JOB = DatasetBinding.newBuilder().setName("ai4i")
      .addNumericFeatures("Torque [Nm]")
      .addCategoricalFeatures(CategoricalFeature.newBuilder().setColumn("Type").addCategories("L"))
      .setLabelColumn("Machine failure").addLabelClasses("0").addLabelClasses("1").build();

  @TempDir Path dir;

  @BeforeEach
  void tlsFiles() throws Exception {
    for (String file : new String[] {"site.pem", "site-key.pem", "ca.pem"}) {
      Files.writeString(dir.resolve(file), "placeholder");
    }
  }

  @Test
  void columnsMapping_translatesJobNamesToLocalNames_unlistedColumnsKeepTheirName() throws Exception {
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(dir.resolve("data/train.csv"), "torque_nm,Type,failed\n40,L,1\n");
    ParticipantConfig config = ParticipantConfig.load(config("""
        {"path": "data/train.csv",
         "columns": {"Torque [Nm]": "torque_nm", "Machine failure": "failed"}}"""));
    DatasetCatalogue catalogue = new DatasetCatalogue(config.datasets());

    FeatureSchema local = catalogue.localSchema(JOB);
    assertEquals(List.of("torque_nm"), local.numericColumns());
    assertEquals("Type", local.categoricalColumns().get(0).column());
    assertEquals("failed", local.labelColumn());
    EncodedData data = TabularEncoder.encode(catalogue.table("ai4i", DatasetCatalogue.Split.TRAIN),
        local, io.factoryfl.core.data.Normalization.identity(1));
    assertEquals(1, data.label(0));
  }

  @Test
  void columnsMapping_thatMakesTwoJobColumnsOneLocalColumn_isRefusedAsInvalidData() {
    DatasetCatalogue catalogue = new DatasetCatalogue(Map.of("ai4i", new DatasetEntry("ai4i",
        dir.resolve("t.csv"), null, Map.of("Torque [Nm]", "Type"))));
    SiteDataException e = assertThrows(SiteDataException.class, () -> catalogue.localSchema(JOB));
    assertEquals(SiteDataException.Kind.INVALID, e.kind());
  }

  @Test
  void withoutEvalPath_anEvaluationIsRefusedAsUnavailable() throws Exception {
    Files.writeString(dir.resolve("train.csv"), "x,y\n1,0\n");
    DatasetCatalogue catalogue = new DatasetCatalogue(Map.of("ai4i",
        new DatasetEntry("ai4i", dir.resolve("train.csv"), null, Map.of())));
    SiteDataException e = assertThrows(SiteDataException.class,
        () -> catalogue.table("ai4i", DatasetCatalogue.Split.EVAL));
    assertEquals(SiteDataException.Kind.UNAVAILABLE, e.kind());
    assertEquals("dataset 'ai4i' has no evaluation split at this site", e.publicMessage());
    assertEquals(1, catalogue.table("ai4i", DatasetCatalogue.Split.TRAIN).rows());
  }

  @Test
  void changedFile_isReadAgainOnTheNextTask() throws Exception {
    Path file = Files.writeString(dir.resolve("train.csv"), "x,y\n1,0\n");
    DatasetCatalogue catalogue = new DatasetCatalogue(Map.of("ai4i",
        new DatasetEntry("ai4i", file, null, Map.of())));
    assertEquals(1, catalogue.table("ai4i", DatasetCatalogue.Split.TRAIN).rows());
    Files.writeString(file, "x,y\n1,0\n2,1\n");
    Files.setLastModifiedTime(file, FileTime.fromMillis(
        Files.getLastModifiedTime(file).toMillis() + 5_000));
    assertEquals(2, catalogue.table("ai4i", DatasetCatalogue.Split.TRAIN).rows());
  }

  @Test
  void malformedFile_isRefusedAsInvalid_unreadableAsUnavailable() throws Exception {
    Path file = Files.writeString(dir.resolve("train.csv"), "x,y\n1\n");
    DatasetCatalogue catalogue = new DatasetCatalogue(Map.of("ai4i",
        new DatasetEntry("ai4i", file, null, Map.of())));
    SiteDataException malformed = assertThrows(SiteDataException.class,
        () -> catalogue.table("ai4i", DatasetCatalogue.Split.TRAIN));
    assertEquals(SiteDataException.Kind.INVALID, malformed.kind());
    Files.delete(file);
    SiteDataException gone = assertThrows(SiteDataException.class,
        () -> catalogue.table("ai4i", DatasetCatalogue.Split.TRAIN));
    assertEquals(SiteDataException.Kind.UNAVAILABLE, gone.kind());
  }

  @Test
  void config_resolvesDataPathsAgainstItsDirectory_andRefusesAMissingFileAtStart()
      throws Exception {
    Path config = config("{\"path\": \"train.csv\", \"eval_path\": \"eval.csv\"}");
    Files.writeString(dir.resolve("train.csv"), "x,y\n1,0\n");
    InvalidConfigException e =
        assertThrows(InvalidConfigException.class, () -> ParticipantConfig.load(config));
    assertEquals(config + ": datasets.ai4i.eval_path points to " + dir.resolve("eval.csv")
        + ", which does not exist or is not readable", e.getMessage());
    Files.writeString(dir.resolve("eval.csv"), "x,y\n1,0\n");
    assertEquals(dir.resolve("eval.csv"), ParticipantConfig.load(config).datasets().get("ai4i")
        .evalPath());
  }

  private Path config(String dataset) throws Exception {
    return Files.writeString(dir.resolve("site.json"), """
        {"coordinator": "localhost:7443",
         "tls": {"certificate": "site.pem", "private_key": "site-key.pem", "ca": "ca.pem"},
         "datasets": {"ai4i": %s}}
        """.formatted(dataset));
  }
}
