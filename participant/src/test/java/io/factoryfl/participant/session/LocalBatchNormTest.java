package io.factoryfl.participant.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.factoryfl.core.job.JobSpecParser;
import io.factoryfl.core.model.BatchNormParameters;
import io.factoryfl.core.model.ModelDefinition;
import org.junit.jupiter.api.Test;

/** FedBN at the site: its own batch-normalisation values stay, the rest of the model travels. */
class LocalBatchNormTest {
  private static final ModelDefinition MODEL = ModelDefinition.fromJson(JobSpecParser.parse("""
      {"name": "fedbn", "task": "multiclass",
       "model": {"template": "cnn", "filters": [4, 8], "hidden_layers": [8], "batch_norm": "local"},
       "dataset": {"name": "d", "label_classes": ["a", "b", "c"],
                   "images": {"height": 12, "width": 12, "channels": 1}}}
      """).modelConfigurationJson());
  private static final BatchNormParameters LAYOUT = MODEL.batchNormParameters();

  private static float[] shifted(float[] values, float by) {
    float[] shifted = values.clone();
    for (int i = 0; i < shifted.length; i++) {
      shifted[i] += by;
    }
    return shifted;
  }

  @Test
  void whatTheSiteSends_carriesTheGlobalBatchNormValues_soTheirDeltaIsZero() {
    LocalBatchNorm sites = new LocalBatchNorm();
    float[] global = MODEL.initialParameters();
    float[] trained = shifted(global, 0.5f);

    float[] sent = sites.keep("job-1", LAYOUT, trained, global);

    assertArrayEquals(LAYOUT.extract(global), LAYOUT.extract(sent), "the coordinator never sees the site's values");
    float[] delta = new float[sent.length];
    int moved = 0;
    for (int i = 0; i < sent.length; i++) {
      delta[i] = sent[i] - global[i];
      moved += delta[i] != 0 ? 1 : 0;
    }
    assertEquals(global.length - LAYOUT.count(), moved, "every other coordinate travels as trained");
    assertArrayEquals(new float[LAYOUT.count()], LAYOUT.extract(delta), "a secure round's delta is 0 there");
  }

  @Test
  void theNextRound_startsFromTheNewGlobalModelWithTheSitesOwnValues_perJob() {
    LocalBatchNorm sites = new LocalBatchNorm();
    float[] global = MODEL.initialParameters();
    float[] trained = shifted(global, 0.5f);
    sites.keep("job-1", LAYOUT, trained, global);
    float[] nextGlobal = shifted(global, -0.25f);

    float[] start = sites.personalise("job-1", LAYOUT, nextGlobal);

    assertArrayEquals(LAYOUT.extract(trained), LAYOUT.extract(start));
    assertArrayEquals(LAYOUT.splice(nextGlobal, LAYOUT.extract(trained)), start);
    assertSame(nextGlobal, sites.personalise("job-2", LAYOUT, nextGlobal), "another job has no values of its own yet");
  }
}
